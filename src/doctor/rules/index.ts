/**
 * The doctor's rules: pure functions from the app's parsed files to findings, one per problem, each
 * at the exact file and line (docs/architecture.md §3 says why each one is a problem).
 */
export type { DoctorInput, Finding, RuleId, Severity } from './finding';
export { formatFinding, sortFindings } from './finding';
export { globalContextRule } from './global-context';
export { globalEntityManagerRule } from './global-em';
export { handlerFindings } from './handler';
export { registrationRule } from './registration';
export { repositoryProvidersRule } from './repository-providers';
export { requestScopeRule } from './request-scope';
export { storedForkRule } from './stored-fork';
export { NESTJS_SUPPORT, OWN_VERSION_LINE, versionsRule } from './versions';
