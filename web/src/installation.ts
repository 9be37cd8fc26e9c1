// The installer's view of the installation: its tree and bill of materials,
// and the installation file in an editor. Validate asks the daemon's checker
// (the same as `kirchhoff check`); Save applies the file without a restart.
// Each message is shown beside the line it is about, and the line's number
// is marked in the gutter.
import { ApiError, checkInstallation, installation, saveInstallation, type Problem } from "./api";
import { t } from "./i18n";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let problems: Problem[] = [];
// The status line's text, rebuilt when the language changes (the summary
// inside it is the daemon's, in English).
let statusText: () => string = () => "";
// The text the editor was last filled with, to tell whether the installer
// has edited it since.
let loadedYaml = "";

function lineHeightPx(editor: HTMLTextAreaElement): number {
  return parseFloat(getComputedStyle(editor).lineHeight) || 18;
}

// Line numbers, and each problem as a note at its line's height.
function render(): void {
  const editor = $<HTMLTextAreaElement>("installation-yaml");
  const lines = editor.value.split("\n").length;
  const marked = new Map<number, Problem>();
  for (const p of problems) {
    if (!marked.has(p.line) || p.severity === "error") {
      marked.set(p.line, p);
    }
  }
  const gutter = $("installation-gutter");
  gutter.replaceChildren(
    ...Array.from({ length: lines }, (_, i) => {
      const div = document.createElement("div");
      div.textContent = String(i + 1);
      const p = marked.get(i + 1);
      if (p) {
        div.className = p.severity;
        div.title = p.message;
      }
      return div;
    }),
  );
  gutter.scrollTop = editor.scrollTop;
  const height = lineHeightPx(editor);
  const notes = $("installation-notes");
  notes.replaceChildren(
    ...problems.map((p) => {
      const note = document.createElement("div");
      note.className = `note ${p.severity}`;
      note.dataset.line = String(p.line);
      note.textContent = `${p.line}:${p.column} ${p.message}`;
      note.style.top = `${(p.line - 1) * height - editor.scrollTop + 4}px`;
      return note;
    }),
  );
}

function showProblems(list: Problem[], summary: () => string, ok: boolean): void {
  problems = list;
  statusText = summary;
  const status = $("installation-status");
  status.textContent = summary();
  status.className = ok ? "ok" : "error";
  render();
}

// Puts the cursor on a problem's line and column.
function jumpTo(p: Problem): void {
  const editor = $<HTMLTextAreaElement>("installation-yaml");
  const lines = editor.value.split("\n");
  let offset = 0;
  for (let i = 0; i < p.line - 1 && i < lines.length; i++) {
    offset += lines[i].length + 1;
  }
  editor.focus();
  editor.setSelectionRange(offset + p.column - 1, offset + p.column - 1);
}

export async function setupInstallation(role: string): Promise<void> {
  const card = $("installation-card");
  card.hidden = role !== "installer";
  if (card.hidden) {
    return;
  }
  let inst;
  try {
    inst = await installation();
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    showProblems([], () => t("inst.loadFailed", { error }), false);
    return;
  }
  $("installation-describe").textContent = inst.describe;
  const editor = $<HTMLTextAreaElement>("installation-yaml");
  editor.value = inst.yaml;
  loadedYaml = inst.yaml;
  showProblems([], () => "", true);
  editor.oninput = render;
  editor.onscroll = render;
  $("installation-notes").onclick = (event) => {
    const line = Number((event.target as HTMLElement).dataset.line ?? 0);
    const p = problems.find((q) => q.line === line);
    if (p) {
      jumpTo(p);
    }
  };
  $("installation-check").onclick = async () => {
    const status = $("installation-status");
    status.className = "";
    status.textContent = t("inst.checking");
    try {
      const result = await checkInstallation(editor.value);
      showProblems(
        result.problems,
        () => (result.valid ? t("inst.valid", { summary: result.summary }) : result.summary),
        result.valid,
      );
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      showProblems(problems, () => error, false);
    }
  };
  $("installation-save").onclick = async () => {
    try {
      const result = await saveInstallation(editor.value);
      loadedYaml = editor.value;
      showProblems(result.problems, () => t("inst.saved", { summary: result.summary }), true);
      const fresh = await installation();
      $("installation-describe").textContent = fresh.describe;
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const body = e.payload as { error: string; problems: Problem[] };
        showProblems(body.problems, () => body.error, false);
      } else {
        const error = e instanceof Error ? e.message : "";
        showProblems([], () => error || t("inst.notSaved"), false);
      }
    }
  };
}

// An installation saved elsewhere on the page (the diagnostics' fix): the
// editor follows it unless the installer has edits of their own in it.
export async function installationSaved(yaml: string): Promise<void> {
  const editor = $<HTMLTextAreaElement>("installation-yaml");
  if (editor.value === loadedYaml) {
    editor.value = yaml;
    loadedYaml = yaml;
    showProblems([], () => "", true);
  }
  const fresh = await installation();
  $("installation-describe").textContent = fresh.describe;
}

// The language changed: the status line in the new one.
export function installationLanguage(): void {
  $("installation-status").textContent = statusText();
}
