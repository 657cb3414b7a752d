export { legacyOpsHandled, MAX_UPGRADE_OPSET, OP_HISTORY, type OpHistory, versionAt } from './history.js';
export { type UpgradeRefused, type UpgradeResult, upgradeOpset } from './upgrade.js';
