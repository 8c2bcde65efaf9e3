// A thin layer over the SQLite C API for the metadata store: one connection,
// prepared statements cached by their text, values always bound as parameters.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace mlpc::runtime::metadata {

// Binds NULL when the string is empty (MLMD leaves unset fields NULL).
struct NullIfEmpty {
  const std::string &text;
};

// One use of a prepared statement. It resets the statement when it goes away,
// which releases SQLite's read locks and makes it reusable.
class Statement {
public:
  // `inUse` is the cache's flag for a cached statement, nullptr for one to finalize.
  Statement(sqlite3_stmt *stmt, bool *inUse) : stmt_(stmt), inUse_(inUse) {}
  Statement(Statement &&other) noexcept;
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;
  ~Statement();

  explicit operator bool() const { return stmt_ && bound_; }

  void bind(int index, int64_t value);
  void bind(int index, int value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, double value);
  void bind(int index, const std::string &value);
  void bind(int index, NullIfEmpty value);

  enum class Step { Row, Done, Error };
  Step step();
  // Runs to completion; false on error.
  bool run();

  bool isNull(int column) const;
  int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;

private:
  sqlite3_stmt *stmt_;
  bool *inUse_;
  bool bound_ = true;
};

class Connection {
public:
  // Opens or creates `path`; nullptr and `error` on failure.
  static std::unique_ptr<Connection> open(const std::string &path, std::string &error);
  ~Connection();

  // A statement for `sql` with `args` bound to ?1, ?2, ...; false (as a bool)
  // when it does not compile or a value does not bind.
  template <typename... Args> Statement query(const std::string &sql, const Args &...args) {
    Statement s = prepare(sql);
    int i = 0;
    if (s)
      (s.bind(++i, args), ...);
    (void)i; // unused when there are no arguments
    return s;
  }
  // Runs statements that return no rows (DDL, pragmas, BEGIN/COMMIT).
  bool exec(const std::string &sql);

  std::string error() const { return sqlite3_errmsg(db_); }
  int64_t lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool inTransaction() const { return !sqlite3_get_autocommit(db_); }

private:
  explicit Connection(sqlite3 *db) : db_(db) {}
  Statement prepare(const std::string &sql);

  struct Cached {
    sqlite3_stmt *stmt;
    bool inUse; // handed out and not yet reset: a nested use prepares its own
  };
  sqlite3 *db_;
  std::unordered_map<std::string, Cached> cache_; // nodes are stable: Statement keeps &inUse
};

} // namespace mlpc::runtime::metadata
