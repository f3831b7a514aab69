// The agent's downloader against the local HTTP server: resuming with Range,
// HTTP errors, a full disk, a server that sends too much, an interruption.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "broker_process.h"
#include "download.h"
#include "http_file_server.h"

namespace ota_agent {
namespace {

class Download : public ::testing::Test {
 protected:
  void SetUp() override {
    download_global_init();
    ASSERT_TRUE(server.start());
    server.put("image.bin", bytes);
  }
  DownloadOutcome get(const std::string& path, uint64_t size, const std::string& name = "image.bin") {
    return download({server.url(name), path, size, 10, ""}, [&](uint64_t have) {
                      seen.push_back(have);
                      started = true;
                    },
                    [&] { return interrupt.load(); });
  }
  std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  ota_test::TempDir dir;
  ota_test::HttpFileServer server{dir.path() + "/http"};
  std::string bytes = std::string(50000, 'x') + std::string(50000, 'y');
  std::string path = dir.path() + "/image.img";
  std::vector<uint64_t> seen;
  std::atomic<bool> interrupt{false};
  std::atomic<bool> started{false};
};

TEST_F(Download, AFreshDownloadGetsTheWholeFile) {
  const auto outcome = get(path, bytes.size());
  EXPECT_EQ(outcome.result, DownloadResult::Complete) << outcome.desc;
  EXPECT_EQ(read(path), bytes);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), 0u);  // reported as soon as the response starts
  EXPECT_EQ(seen.back(), bytes.size());
  EXPECT_EQ(server.requests(), std::vector<std::string>{"GET /image.bin range="});
}

TEST_F(Download, APartialFileIsResumedWithARangeRequest) {
  std::ofstream(path, std::ios::binary) << bytes.substr(0, 30000);
  const auto outcome = get(path, bytes.size());
  EXPECT_EQ(outcome.result, DownloadResult::Complete) << outcome.desc;
  EXPECT_EQ(outcome.resumed_from, 30000u);
  EXPECT_EQ(read(path), bytes);
  EXPECT_EQ(seen.front(), 30000u);
  EXPECT_EQ(server.requests(), std::vector<std::string>{"GET /image.bin range=bytes=30000-"});
}

TEST_F(Download, ACompleteFileIsNotFetchedAgain) {
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(get(path, bytes.size()).result, DownloadResult::Complete);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(Download, AnHttpErrorFails) {
  const auto outcome = get(path, 10, "missing.bin");
  EXPECT_EQ(outcome.result, DownloadResult::Failed);
  EXPECT_EQ(outcome.desc, "download failed: HTTP 404");
}

TEST_F(Download, AFullDiskIsReportedAsSuch) {
  const auto outcome = get("/dev/full", bytes.size());
  EXPECT_EQ(outcome.result, DownloadResult::DiskFull);
  EXPECT_EQ(outcome.desc, "cannot write /dev/full: No space left on device");
}

TEST_F(Download, MoreBytesThanTheSizeStopTheDownload) {
  const auto outcome = get(path, 1000);
  EXPECT_EQ(outcome.result, DownloadResult::TooLarge);
  EXPECT_EQ(outcome.desc, "size mismatch: the server sent more than 1000 bytes");
}

TEST_F(Download, AnInterruptionStopsItAndKeepsThePartialFile) {
  server.set_rate(20000);
  std::thread later([&] {
    ota_test::eventually([&] { return started.load(); }, std::chrono::seconds(5));
    interrupt = true;
  });
  const auto outcome = get(path, bytes.size());
  later.join();
  EXPECT_EQ(outcome.result, DownloadResult::Interrupted);
  EXPECT_LT(std::filesystem::file_size(path), bytes.size());
}

}  // namespace
}  // namespace ota_agent
