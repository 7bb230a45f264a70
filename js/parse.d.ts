// Types of `vomo-users/parse`: the main entry's own declarations, re-exported (the build
// writes this file as parse/index.d.ts and, importing "../index.mjs", as parse/index.d.mts).
// Its functions return the same shapes as the main entry's, and its VomoError passes
// `instanceof` the main entry's VomoError and back.
export { VomoError, parseUserPage, parseUserDetail, parseUser, init, default } from "../index.js";
export type {
  User, UserDetail, Participation, ProfileFieldValue, Page, PageLinks, PageMeta, VomoErrorKind,
  UserStatus, MembershipStatus, MembershipRole, OpenEnum, AnyCase,
} from "../index.js";
