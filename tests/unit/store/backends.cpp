#include "backends.h"

#include "pg_server.h"
#include "pgstorage/pg_store.h"
#include "storage/sqlite_store.h"
#include "test_db.h"

namespace ota {
namespace {

class SqliteUnderTest : public BackendUnderTest {
 public:
  explicit SqliteUnderTest(int progress_history)
      : writer_(file_.path, progress_history), reader_(file_.path, SqliteStore::ReadOnly{}) {}
  Repositories repositories() override { return writer_.repositories(); }
  StoreReaders reader() override { return reader_.readers(); }

 private:
  TestDbFile file_;
  SqliteStore writer_;
  SqliteStore reader_;
};

// A fresh database of the test binary's PostgreSQL server (tests/support/pg_server.h).
class PostgresqlUnderTest : public BackendUnderTest {
 public:
  explicit PostgresqlUnderTest(int progress_history)
      : url_(ota_test::test_pg_server().create_database()),
        writer_(url_, progress_history),
        reader_(url_) {}  // the database is migrated already: nothing to do
  Repositories repositories() override { return writer_.repositories(); }
  StoreReaders reader() override { return reader_.readers(); }

 private:
  std::string url_;
  PgStore writer_;
  PgStore reader_;
};

}  // namespace

std::vector<Backend> all_backends() {
  return {{"sqlite", [](int progress_history) { return std::make_unique<SqliteUnderTest>(progress_history); }},
          {"postgresql",
           [](int progress_history) { return std::make_unique<PostgresqlUnderTest>(progress_history); }}};
}

}  // namespace ota
