// Readable (non --json) renderings of the package's shapes.

/** One line per user: id, last update, name and email. */
export function userRow(user, color) {
  return `${String(user.id).padStart(7)}  ${user.updatedAt}  ${color.bold(user.fullName)} <${user.email}>`;
}

export const USER_ROW_HEADER = `${"ID".padStart(7)}  ${"UPDATED (UTC)".padEnd(24)}  NAME <EMAIL>`;

const FIELDS = [["id", "id"], ["name", "fullName"], ["email", "email"], ["phone", "phone"], ["address", "address"],
  ["birthday", "birthday"], ["gender", "gender"], ["status", "userStatus"], ["membership", "membershipStatus"],
  ["role", "membershipRole"], ["created", "createdAt"], ["updated", "updatedAt"]];

/** A user (or a UserDetail, with its participations and profile fields) as labelled lines. */
export function userLines(user, color) {
  const lines = FIELDS.map(([label, key]) => `${color.dim(label.padEnd(11))}${user[key] ?? "-"}`);
  if (Array.isArray(user.participations)) {
    const hours = user.participations.reduce((sum, p) => sum + p.hours, 0);
    lines.push(`${color.dim("shifts".padEnd(11))}${user.participations.length} (${Number(hours.toFixed(2))} h)`);
    for (const p of user.participations) {
      lines.push(`  project ${p.projectId ?? "-"} date ${p.projectDateId ?? "-"}: ${p.hours} h, signed up ${p.signedUpAt ?? "-"}`
        + `${p.checkedInAt ? `, checked in ${p.checkedInAt}` : ""}${p.verified ? ", verified" : ""}`);
    }
  }
  for (const f of user.profileFieldValues ?? []) lines.push(`${color.dim(`${f.fieldLabel}:`)} ${f.value ?? "-"}`);
  return lines;
}
