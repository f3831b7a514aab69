#pragma once
// The SQLite database: opening it (pragmas, migrations, proof that it can be
// written), and its transactions and savepoints. The repositories in this
// folder share its connection; those that buffer writes until commit
// (progress reports) take part in its transactions as a TransactionBuffer.
#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "store/repositories.h"

namespace ota {

// Writes held back until commit, undone with the transaction or a savepoint.
class TransactionBuffer {
 public:
  virtual ~TransactionBuffer() = default;
  virtual void flush() = 0;    // write what is buffered, inside the transaction
  virtual void discard() = 0;  // the transaction was rolled back
  // A point in the buffer, and back to it (a savepoint rolled back).
  virtual size_t mark() const = 0;
  virtual void rewind(size_t mark) = 0;
};

class Database : public Transactions {
 public:
  // Opens (creating if needed) and migrates the database, and proves it can be
  // written; throws SqliteError with a message fit for the broker log, e.g. when
  // the file is read-only to this process or the database is from a newer plugin.
  explicit Database(const std::string& path);
  // A second, read-only connection to a database the writer already opened
  // (reads through mmap, never writes): tests watch the commits with it.
  struct ReadOnly {};
  Database(const std::string& path, ReadOnly);

  int schema_version() const { return schema_version_; }
  Db& db() { return db_; }
  // `buffer` is flushed at each commit and undone with the transaction; it outlives this.
  void add_buffer(TransactionBuffer& buffer) { buffers_.push_back(&buffer); }

  void begin() override;
  void commit() override;
  void rollback() override;
  void savepoint() override;
  void release() override;
  void rollback_to() override;

 private:
  Db db_;
  int schema_version_ = 0;
  Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  std::vector<TransactionBuffer*> buffers_;
  // Each buffer's mark at each open savepoint, innermost last.
  std::vector<size_t> marks_;
};

// Applies the migrations a database lacks; returns its schema version.
int migrate(Db& db);

}  // namespace ota
