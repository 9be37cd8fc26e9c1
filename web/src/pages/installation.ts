// Installation (installers only): the file's editor, tree and bill of
// materials, and the diagnostics.
import { setupDiagnostics } from "../diagnostics";
import { installationSaved, setupInstallation } from "../installation";
import type { Page } from "./page";

export const installationPage: Page = {
  start(context) {
    void setupInstallation(context.role);
    setupDiagnostics(context.role, (yaml) => void installationSaved(yaml));
  },
};
