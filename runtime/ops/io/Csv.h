// CSV reading and writing (RFC 4180) for std.io.
//
// Reading: a header row is required; schema columns are matched to header
// names in any order and file columns the schema does not name are skipped.
// Fields may be quoted ("" is a quote inside quotes; separators and line
// breaks inside quotes are data). Lines end in LF, CRLF or a lone CR; a
// UTF-8 byte order mark and a missing final line break are accepted; blank
// lines are skipped unless the file has a single column (there a blank line
// is a missing value).
//
// Missing values: an empty field or NA. Only a nullable column (`float?` in
// .mlp) may hold them. In a string column a quoted field is always text, so
// "" is the empty string and "NA" the two letters; in the other columns
// quoting does not matter.
//
// Values: int is a 64-bit integer; float a double in decimal or exponent
// form, or nan/inf/infinity in any letter case with an optional sign; bool
// is true/false/True/False/TRUE/FALSE/1/0; string is the field verbatim.
// Numbers and bools may have surrounding spaces; numbers a leading '+'.
//
// Every problem is an OpError whose message starts `file:line:column:`
// (1-based line and character of the field, or of stray text after a
// closing quote) and names the CSV column and the offending text.
#pragma once

#include "runtime/ops/Table.h"

#include <string>
#include <string_view>

namespace mlpc::ops::io {

Table readCsv(const std::string &path, const Schema &schema, char delimiter = ',');

// The same parser on text in memory; `sourceName` stands for the file name
// in messages.
Table parseCsv(std::string_view text, const Schema &schema, char delimiter,
               const std::string &sourceName);

// parseCsv's work split over `threads` slices of the rows when the text is
// at least `minBytes` and holds no quote (parseCsv: the machine's cores, up
// to 8, from 16 MiB). The result and any error are those of one pass.
Table parseCsvParallel(std::string_view text, const Schema &schema, char delimiter,
                       const std::string &sourceName, unsigned threads, size_t minBytes);

// Writes a header row and one line per row (LF line ends). Fields are quoted
// only when needed: they contain the separator, a quote or a line break, have
// leading or trailing spaces, or are strings that would otherwise read back
// as missing ("" and "NA"). Floats are the shortest text that reads back as
// the same double (nan, inf, -inf, -0 included); missing values are empty
// fields; bools are true/false. The file is replaced atomically; OpError
// naming the path on failure (unwritable folder, full disk).
void writeCsv(const Table &t, const std::string &path, char delimiter = ',');

// The text writeCsv writes.
std::string toCsv(const Table &t, char delimiter = ',');

} // namespace mlpc::ops::io
