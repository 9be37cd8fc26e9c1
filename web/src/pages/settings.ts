// Settings: the language (the header's switch too), the server's state, the
// tariff, and for installers the accounts.
import type { Page } from "./page";

export const settingsPage: Page = {};
