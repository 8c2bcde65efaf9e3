#include "runtime/metadata/Sqlite.h"

#include <utility>

namespace mlpc::runtime::metadata {

// Long enough for any one step transition of another writer.
constexpr int kBusyTimeoutMs = 10000;

Statement::Statement(Statement &&other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), inUse_(other.inUse_), bound_(other.bound_) {}

Statement::~Statement() {
  if (!stmt_)
    return;
  if (!inUse_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *inUse_ = false;
}

void Statement::bind(int index, int64_t value) {
  bound_ = bound_ && sqlite3_bind_int64(stmt_, index, value) == SQLITE_OK;
}

void Statement::bind(int index, double value) {
  bound_ = bound_ && sqlite3_bind_double(stmt_, index, value) == SQLITE_OK;
}

void Statement::bind(int index, const std::string &value) {
  bound_ = bound_ && sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                       SQLITE_TRANSIENT) == SQLITE_OK;
}

void Statement::bind(int index, NullIfEmpty value) {
  if (value.text.empty())
    bound_ = bound_ && sqlite3_bind_null(stmt_, index) == SQLITE_OK;
  else
    bind(index, value.text);
}

Statement::Step Statement::step() {
  if (!*this) // never run a statement that did not compile or bind
    return Step::Error;
  switch (sqlite3_step(stmt_)) {
  case SQLITE_ROW:
    return Step::Row;
  case SQLITE_DONE:
    return Step::Done;
  default:
    return Step::Error;
  }
}

bool Statement::run() {
  Step s;
  while ((s = step()) == Step::Row) {
  }
  return s == Step::Done;
}

bool Statement::isNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::text(int column) const {
  const unsigned char *p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char *>(p), sqlite3_column_bytes(stmt_, column))
           : std::string();
}

std::unique_ptr<Connection> Connection::open(const std::string &path, std::string &error) {
  sqlite3 *db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    error = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_extended_result_codes(db, 1);
  // Another connection (a second run on the same root, a reader) may hold the
  // lock for a moment: wait for it, as MLMD's own busy handler does.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto &entry : cache_)
    sqlite3_finalize(entry.second.stmt);
  sqlite3_close(db_);
}

Statement Connection::prepare(const std::string &sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.inUse) {
    it->second.inUse = true;
    return Statement(it->second.stmt, &it->second.inUse);
  }
  sqlite3_stmt *stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK)
    return Statement(nullptr, nullptr);
  if (it != cache_.end()) // the cached one is in use further up the stack
    return Statement(stmt, nullptr);
  Cached &cached = cache_.emplace(sql, Cached{stmt, true}).first->second;
  return Statement(stmt, &cached.inUse);
}

bool Connection::exec(const std::string &sql) {
  return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

} // namespace mlpc::runtime::metadata
