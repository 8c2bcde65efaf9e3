// TFRecord files of tf.Example records, the format of TFX's Examples
// artifacts.
//
// Framing of each record (all integers little-endian):
//   uint64 length, uint32 masked CRC-32C of those 8 bytes,
//   `length` bytes of data, uint32 masked CRC-32C of the data.
// Files may be GZIP-compressed (recognised by their first two bytes; written
// at zlib's fastest level). A corrupt checksum or a cut-short record is an
// OpError naming the file, the record's index (from 0) and its byte offset
// (in the uncompressed bytes).
//
// Columns and features (one value per row; tf.Example has three list kinds):
//   int    -> int64_list
//   float  -> float_list, which holds float32: a double is rounded to the
//             nearest float32 on writing (about 7 significant digits; values
//             beyond float32's range become +-inf), so a float column does
//             not read back bit-for-bit unless its values are float32 values
//   string -> bytes_list
//   bool   -> int64_list holding 0 or 1
// A missing value is written as an empty list of the column's kind; an
// absent feature or an empty list reads as missing, which only a nullable
// column may hold.
//
// An Examples artifact (TFX ExampleGen's layout) is a folder with one
// subfolder per split, `Split-<name>/data_tfrecord-00000-of-00001.gz`.
#pragma once

#include "runtime/ops/Table.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mlpc::ops::io {

class AtomicFile;
class GzipCompressor;

// Writes each split's rows as GZIP-compressed tf.Examples into
// `dir/Split-<name>/data_tfrecord-00000-of-00001.gz`, creating the folders.
// Other files already in those folders are left alone (and would be read
// back by readExamples): write into a fresh folder.
void writeExamples(const std::map<std::string, Table> &splits, const std::string &dir);

// Reads tf.Examples into a table with `schema`. `pathOrDir` is a TFRecord
// file (plain or GZIP) or a folder. For a folder: the files of
// `Split-<split>` when `split` is given; otherwise those of every
// `Split-*` subfolder, or of the folder itself when it has none. Files are
// read in name order; names starting with '.' or '_' and unfinished
// temporary files (`*.tmp-*`) are skipped.
Table readExamples(const std::string &pathOrDir, const Schema &schema,
                   const std::string &split = "");

// One serialized tf.Example per row (deterministic bytes: features sorted
// by name).
std::vector<std::string> encodeExamples(const Table &t);

// Writes framed records to a file as they come (compressing them as they
// come for GZIP); the file appears, complete, at close().
class TfRecordWriter {
public:
  TfRecordWriter(const std::string &path, bool gzip);
  ~TfRecordWriter();
  void write(std::string_view record);
  void close();

private:
  void flush(bool finish);
  std::unique_ptr<AtomicFile> file_;
  std::unique_ptr<GzipCompressor> gzip_;
  std::string framed_;
  std::string compressed_;
};

// The framing alone.
void writeTfRecordFile(const std::string &path, const std::vector<std::string> &records, bool gzip);
std::vector<std::string> readTfRecordFile(const std::string &path);

// Appends one framed record to `out`.
void appendTfRecord(std::string &out, std::string_view data);

} // namespace mlpc::ops::io
