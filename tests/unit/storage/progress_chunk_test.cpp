#include "storage/progress_chunk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ota;

namespace {

std::vector<ChunkEntry> tricky_entries() {
  std::vector<ChunkEntry> entries;
  const char* descs[] = {"plain", "a,b},{\"c\":[1,2]", "back\\slash\\", "quote \" , ] [", "", "\xc3\xa9,{"};
  for (int i = 0; i < 12; ++i) {
    ChunkEntry e;
    e.record = {"m" + std::to_string(i), "firmware", "1." + std::to_string(i), i * 8, descs[i % 6], 1000 + i};
    e.whole = i % 4 != 0;  // some are ids only
    if (!e.whole) e.record = ProgressRecord{e.record.message_id, {}, {}, 0, {}, 0};
    entries.push_back(e);
  }
  return entries;
}

void expect_same(const std::vector<ChunkEntry>& got, const std::vector<ChunkEntry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].whole, want[i].whole) << i;
    EXPECT_EQ(got[i].record.message_id, want[i].record.message_id) << i;
    EXPECT_EQ(got[i].record.desc, want[i].record.desc) << i;
    EXPECT_EQ(got[i].record.version, want[i].record.version) << i;
    EXPECT_EQ(got[i].record.progress, want[i].record.progress) << i;
    EXPECT_EQ(got[i].record.at, want[i].record.at) << i;
  }
}

}  // namespace

// Cut from the text, the rest is what decoding, erasing and encoding would give.
TEST(ProgressChunk, DroppingFirstEntriesFromTheTextKeepsTheRestExactly) {
  const auto entries = tricky_entries();
  const std::string json = encode_chunk(entries);
  for (size_t k = 0; k < entries.size(); ++k) {
    auto cut = drop_first_entries(json, k);
    ASSERT_TRUE(cut) << k;
    std::vector<ChunkEntry> rest(entries.begin() + static_cast<std::ptrdiff_t>(k), entries.end());
    EXPECT_EQ(*cut, encode_chunk(rest)) << k;
    expect_same(decode_chunk(*cut), rest);
  }
}

TEST(ProgressChunk, DroppingAllOrMoreOrFromSomethingElseIsRefused) {
  const std::string json = encode_chunk(tricky_entries());
  EXPECT_FALSE(drop_first_entries(json, 12));  // nothing would be left: the chunk is deleted instead
  EXPECT_FALSE(drop_first_entries(json, 13));
  EXPECT_FALSE(drop_first_entries("", 1));
  EXPECT_FALSE(drop_first_entries("{\"a\":1}", 1));
  EXPECT_FALSE(drop_first_entries("[1", 1));
}
