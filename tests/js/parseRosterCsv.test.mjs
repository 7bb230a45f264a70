import test from "node:test";
import assert from "node:assert/strict";
import { parseRosterCsv, toRosterCsv, importRoster, VomoClient, VomoError } from "vomo-users";
import { startSimulator } from "vomo-users/sim";

const CSV = "\uFEFFEmployee ID,First Name,Last Name,Email Address,Date of Birth,Gender,Shoe Size\r\n"
  + "E-1,\"Okafor, Nia\",Adeyemi,nia@example.org,1990-04-02,f,38\r\n"
  + "E-2,Tomás,\"Ruiz\r\nJr.\",tomas@example.org,,,\r\n"
  + "E-3,Only,Two\r\n"
  + "E-4,No,Email,,,,\r\n"
  + "\r\n"
  + "E-5,Ana,Lima,ana@example.org,,N,\r\n";

test("spreadsheet headers, BOM, quoted fields and CRLF map to import records", () => {
  const { records, errors, ignoredColumns } = parseRosterCsv(CSV);
  assert.deepEqual(records.map((r) => r.externalId), ["E-1", "E-2", "E-5"]);
  assert.deepEqual(records[0], { externalId: "E-1", firstName: "Okafor, Nia", lastName: "Adeyemi",
    email: "nia@example.org", birthday: "1990-04-02", gender: "f", line: 2 });
  assert.equal(records[1].lastName, "Ruiz\r\nJr.");
  assert.equal(records[1].birthday, undefined, "empty cells are left out, not sent as empty");
  assert.equal(records[2].line, 8, "line numbers count blank and multi-line rows");
  assert.deepEqual(errors.map((e) => e.line), [5, 6]);
  assert.match(errors[0].message, /3 cells where the header has 7/);
  assert.match(errors[1].message, /no email/);
  // What an unusable row held, under the headers read, so that it can be written out and fixed.
  assert.deepEqual(errors.map((e) => e.record), [
    { externalId: "E-3", firstName: "Only", lastName: "Two" },
    { externalId: "E-4", firstName: "No", lastName: "Email" },
  ]);
  assert.deepEqual(ignoredColumns, ["Shoe Size"]);
});

test("a roster without an email column is refused with invalid_input", () => {
  assert.throws(() => parseRosterCsv("Name,Phone\nAna,1\n"), (e) => e instanceof VomoError && e.kind === "invalid_input" && /email/.test(e.message));
});

test("a file's bytes: UTF-8 (Buffer, Uint8Array, ArrayBuffer) reads as its text does; other encodings are refused by line", () => {
  const bytes = Buffer.from(CSV, "utf8");
  const fromText = parseRosterCsv(CSV);
  for (const input of [bytes, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)]) {
    assert.deepEqual(parseRosterCsv(input), fromText);
  }
  assert.equal(parseRosterCsv(bytes).records[1].firstName, "Tomás");
  // The same roster as Excel's "CSV" writes it on Windows: Windows-1252, á = 0xE1.
  const cp1252 = Buffer.from(CSV.replace("\uFEFF", ""), "latin1");
  assert.throws(() => parseRosterCsv(cp1252), (e) => e instanceof VomoError && e.kind === "invalid_input"
    && /^roster CSV: line 3 is not UTF-8 text \(byte 0xE1 after "E-2,Tom"\).*CSV UTF-8/.test(e.message));
  // Excel's "Unicode text": UTF-16 with its byte order mark.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Email\tFirst Name\n", "utf16le")]);
  assert.throws(() => parseRosterCsv(utf16), (e) => e.kind === "invalid_input" && /UTF-16/.test(e.message));
  // Decoded to text first (a decoder that replaces, as TextDecoder and readFileSync(f, "utf8")
  // do), the name is lost already: refused too, naming the line (it used to read "Tom\uFFFDs").
  assert.throws(() => parseRosterCsv(new TextDecoder().decode(cp1252)), (e) => e.kind === "invalid_input"
    && /^roster CSV: line 3 holds U\+FFFD, the replacement character \(after "E-2,Tom"\).*pass the file's bytes/.test(e.message));
  for (const bad of [null, 42, [1, 2], { length: 3 }]) {
    assert.throws(() => parseRosterCsv(bad), (e) => e.kind === "invalid_input" && /string, a Uint8Array or an ArrayBuffer/.test(e.message));
  }
});

test("a semicolon- or tab-separated roster (a European spreadsheet's CSV, a TSV) is read by its header row", () => {
  for (const sep of [";", "\t"]) {
    const text = CSV.replaceAll(",", sep).replace(`"Okafor${sep} Nia"`, '"Okafor, Nia"');
    const { records, errors, ignoredColumns } = parseRosterCsv(text);
    assert.deepEqual(records, parseRosterCsv(CSV).records, JSON.stringify(sep));
    assert.deepEqual(errors, parseRosterCsv(CSV).errors);
    assert.deepEqual(ignoredColumns, ["Shoe Size"]);
  }
});

test("a first line sep=| (Excel's separator hint) names the separator and is no row; line numbers count it", () => {
  const text = "\uFEFFsep=|\r\n" + CSV.slice(1).replaceAll(",", "|").replace('"Okafor| Nia"', '"Okafor, Nia"');
  const { records, errors, ignoredColumns } = parseRosterCsv(Buffer.from(text));
  const plain = parseRosterCsv(CSV);
  assert.deepEqual(records.map(({ line, ...r }) => r), plain.records.map(({ line, ...r }) => r));
  assert.deepEqual(records.map((r) => r.line), plain.records.map((r) => r.line + 1));
  assert.deepEqual(errors.map((e) => e.line), plain.errors.map((e) => e.line + 1));
  assert.deepEqual(ignoredColumns, ["Shoe Size"]);
});

test("the same roster with LF, CRLF or CR (\"CSV (Macintosh)\") line endings gives the same records, errors and line numbers", () => {
  const lines = ["First Name,Last Name,Email", "Ana,Lima,ana@example.org", "", "Bo,Only", "\"Cy\nCy\",Dee,cy@example.org", "Di,Eve,di@example.org"];
  const lf = parseRosterCsv(lines.join("\n"));
  assert.deepEqual(lf.records.map((r) => r.line), [2, 5, 7]);
  assert.deepEqual(lf.errors.map((e) => e.line), [4]);
  for (const eol of ["\r\n", "\r"]) {
    assert.deepEqual(parseRosterCsv(lines.join(eol)), lf, JSON.stringify(eol));
    assert.deepEqual(parseRosterCsv(new TextEncoder().encode(lines.join(eol))), lf, `${JSON.stringify(eol)} as bytes`);
  }
});

test("two columns that read as one field are refused naming both, never one taken silently", () => {
  for (const [header, message] of [
    ["First Name,Last Name,Email,E-mail Address", 'roster CSV: columns "Email" and "E-mail Address" both read as email;'],
    ["First Name,Last Name,Email,Phone,Mobile", 'roster CSV: columns "Phone" and "Mobile" both read as phone;'],
  ]) {
    assert.throws(() => parseRosterCsv(`${header}\nAna,Lima,ana@example.org,1,2\n`),
      (e) => e instanceof VomoError && e.kind === "invalid_input" && e.message.startsWith(message), header);
  }
});

test("parsed records import as they are", async (t) => {
  const sim = await startSimulator({ users: 5 });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 200 });
  const { records } = parseRosterCsv(CSV);
  const result = await importRoster(client, records);
  assert.equal(result.created.length, 3);
  assert.equal(result.created[0].user.firstName, "Okafor, Nia");
  assert.equal(result.created[0].user.gender, "F");
});

test("a quote that never closes swallows the lines after it into one row: the error says so, with the lines it took", () => {
  const good = (i) => `G${i},Name${i},Last${i},g${i}@example.org`;
  for (const eol of ["\n", "\r\n", "\r"]) {
    const text = ["External ID,First Name,Last Name,Email", good(1), '"Bob,Jones,bob@example.org', good(2), good(3), good(4), good(5), good(6)].join(eol) + eol;
    const { records, errors } = parseRosterCsv(text);
    assert.deepEqual(records.map((r) => r.externalId), ["G1"], JSON.stringify(eol));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 3);
    assert.match(errors[0].message, /^1 cell where the header has 4: a quote opened in this row closes only on line 8 or never, so lines 3-8 were read as one row \(look for a missing closing quote\)$/, JSON.stringify(eol));
  }
  // A cell count that is simply off says only that.
  assert.equal(parseRosterCsv("First Name,Last Name,Email\nA,B\n").errors[0].message, "2 cells where the header has 3");
  // A comma in an unquoted name pushes the email past the header: named, so the failed rows keep it.
  const pushed = parseRosterCsv("First Name,Last Name,Email\nAna,Lima, Jr.,ana@x.org\n").errors[0];
  assert.equal(pushed.message, '4 cells where the header has 3 (beyond it: "ana@x.org")');
  assert.deepEqual(pushed.record, { firstName: "Ana", lastName: "Lima", email: "Jr." });
});

test("toRosterCsv: what it writes parseRosterCsv reads back as it was (random cells with quotes, commas, line breaks, apostrophes, formula characters); formula cells guarded; bad rows refused naming their place", () => {
  const alphabet = ["a", "Z", " ", ",", "\"", "'", "=", "+", "-", "@", "\n", "\r", "\t", "é", "😀", ";"];
  let seed = 7;
  const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const header = ["External ID", "First Name", "Last Name", "Email", "Phone", "Address"];
  const fields = ["externalId", "firstName", "lastName", "email", "phone", "address"];
  for (let round = 0; round < 300; round++) {
    const rows = Array.from({ length: 5 }, (_, i) => fields.map((f) => f === "email" ? `p${i}@example.org`
      : Array.from({ length: random(9) }, () => alphabet[random(alphabet.length)]).join("")));
    const text = toRosterCsv([header, ...rows]);
    const { records, errors } = parseRosterCsv(text);
    // A line break with a comma after it, in a cell other than the address, is what a stray
    // quote leaves: such a row is an error keeping what it read, the others are records.
    const swallowed = (c) => /[\r\n].*,/s.test(c.trim());
    const broken = rows.map((r) => r.some((c, j) => fields[j] !== "address" && swallowed(c)));
    assert.deepEqual(errors.map((e) => e.message.startsWith("a line break inside ")), broken.filter(Boolean), text);
    const read = [...records, ...errors.map((e) => e.record)].sort((a, b) => a.email.localeCompare(b.email));
    read.forEach((record, i) => fields.forEach((f, j) => {
      assert.equal(record[f] ?? "", rows[i][j].trim(), `${f} of row ${i} in ${JSON.stringify(text)}`);
    }));
    assert.equal(read.length, rows.length);
  }
  assert.equal(toRosterCsv([["a", null, undefined, 3, 1.5, -2]]), "a,,,3,1.5,'-2\r\n", "numbers as JS writes them; a leading minus guarded");
  assert.equal(toRosterCsv([]), "");
  for (const [rows, message] of [
    [null, /^toRosterCsv: rows must be an array of rows \(got null\)$/],
    ["a,b", /^toRosterCsv: rows must be an array of rows/],
    [[["ok"], "no"], /^toRosterCsv: rows\[1\] must be an array of cells/],
    [[["ok", { a: 1 }]], /^toRosterCsv: rows\[0\]\[1\] must be a string, a finite number or null \(got object\)$/],
    [[[true]], /^toRosterCsv: rows\[0\]\[0\] must be a string, a finite number or null \(got boolean\)$/],
    [[["a", NaN]], /^toRosterCsv: rows\[0\]\[1\] must be a string, a finite number or null \(got NaN\)$/],
    [[["a"], [Infinity]], /^toRosterCsv: rows\[1\]\[0\] .* \(got Infinity\)$/],
    [[[new Date(0)]], /^toRosterCsv: rows\[0\]\[0\] .* \(got a Date\)$/],
    [[[10n]], /^toRosterCsv: rows\[0\]\[0\] .* \(got bigint\)$/],
    [[["ok", "\uD800"]], /^toRosterCsv: rows\[0\]\[1\] .* \(got a string with a lone surrogate\)$/],
  ]) {
    assert.throws(() => toRosterCsv(rows), (e) => e instanceof VomoError && e.kind === "invalid_input" && message.test(e.message), String(message));
  }
});
