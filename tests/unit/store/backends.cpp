#include "backends.h"

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

}  // namespace

std::vector<Backend> all_backends() {
  return {{"sqlite", [](int progress_history) { return std::make_unique<SqliteUnderTest>(progress_history); }}};
}

}  // namespace ota
