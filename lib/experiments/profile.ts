// A run's budget: `smoke` (seconds, what the tests and CI run), `quick` (minutes per table on a
// 2-core CPU, fewer epochs or a subset), `paper` (the paper's exact settings). A profile changes
// budgets, never the method.
import { currentProfile } from "../papers/record";

export const PROFILES = ["smoke", "quick", "paper"] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * The profile to run: the argument when given, else TN_PROFILE (set by `tnlab run --profile`),
 * else "quick" (an interactive session).
 */
export function resolveProfile(value?: string): Profile {
  const v = value ?? currentProfile();
  if (v === "interactive") return "quick";
  if ((PROFILES as readonly string[]).includes(v)) return v as Profile;
  throw new Error(`profile = ${JSON.stringify(v)}: expected one of ${PROFILES.join(", ")}`);
}

/** The value of `choices` for `profile`: the one place where a budget depends on the profile. */
export function byProfile<T>(profile: Profile, choices: Record<Profile, T>): T {
  return choices[profile];
}
