#pragma once
// The store backends the contract tests run against. A new backend adds one
// entry to all_backends(): the same tests then hold it to the same behaviour.
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/repositories.h"

namespace ota {

// One open store, empty at first.
class BackendUnderTest {
 public:
  virtual ~BackendUnderTest() = default;
  virtual Repositories repositories() = 0;
  // A second connection, which only reads: what the others see of a transaction.
  virtual StoreReaders reader() = 0;
};

struct Backend {
  std::string name;
  // progress_history: the progress reports each device keeps.
  std::function<std::unique_ptr<BackendUnderTest>(int progress_history)> open;
};

std::vector<Backend> all_backends();

// How GoogleTest names a backend in its output (else it prints the struct's bytes).
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

}  // namespace ota
