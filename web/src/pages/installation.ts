// Installation (installers only): the file's editor, tree and bill of
// materials, and the diagnostics.
import "../installation.css";
import { diagnosticsLanguage, setupDiagnostics } from "../diagnostics";
import { installationLanguage, installationSaved, setupInstallation } from "../installation";
import "../strings/installation";
import type { Page } from "./page";

export const installationPage: Page = {
  start(context) {
    void setupInstallation(context.role);
    setupDiagnostics(context.role, (yaml) => void installationSaved(yaml));
  },
  language() {
    installationLanguage();
    diagnosticsLanguage();
  },
};
