// The strict JSON parser (SPEC "Bounded parsing"): each limit at and over its bound.
#include "protocol/strict_json.h"

#include <gtest/gtest.h>

#include "protocol/json.h"

namespace ota {
namespace {

std::string parse(const std::string& text) {
  rapidjson::Document doc;
  return parse_strict_json(text, doc);
}

// `levels` arrays around a 1: [[[1]]].
std::string nested_arrays(int levels) { return std::string(levels, '[') + "1" + std::string(levels, ']'); }

// `levels` objects: {"a":{"a":{"a":1}}}.
std::string nested_objects(int levels) {
  std::string s;
  for (int i = 0; i < levels; ++i) s += "{\"a\":";
  s += "1";
  return s + std::string(levels, '}');
}

std::string object_with_members(int n, const std::string& last_name = "") {
  std::string s = "{";
  for (int i = 0; i < n; ++i) {
    if (i) s += ",";
    s += "\"" + (i == n - 1 && !last_name.empty() ? last_name : "m" + std::to_string(i)) + "\":" + std::to_string(i);
  }
  return s + "}";
}

TEST(StrictJson, AcceptsOrdinaryJson) {
  rapidjson::Document doc;
  ASSERT_EQ(parse_strict_json(R"({"a":[1,2.5,true,null,"x"],"b":{"c":"\u00e9\ud83d\ude00"}, "d":-7})", doc), "");
  EXPECT_EQ(doc["a"].Size(), 5u);
  EXPECT_STREQ(doc["b"]["c"].GetString(), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(parse("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), "");
  EXPECT_EQ(parse("42"), "");
}

TEST(StrictJson, NestingOf32LevelsIsAcceptedAnd33Refused) {
  EXPECT_EQ(parse(nested_arrays(32)), "");
  EXPECT_EQ(parse(nested_objects(32)), "");
  EXPECT_EQ(parse("{\"a\":" + nested_arrays(31) + "}"), "");
  for (const std::string& deep : {nested_arrays(33), nested_objects(33), "{\"a\":" + nested_arrays(32) + "}"}) {
    EXPECT_NE(parse(deep).find("nested deeper than 32 levels"), std::string::npos) << deep;
  }
}

TEST(StrictJson, DeepNestingIsRefusedWithoutRecursion) {
  // RapidJSON's recursive parser overflows the stack on this; the iterative one stops at level 33.
  const std::string arrays = nested_arrays(150000);
  EXPECT_NE(parse(arrays).find("nested deeper than 32 levels at offset 32"), std::string::npos);
  std::string objects = "{\"commands\":";
  for (int i = 0; i < 150000; ++i) objects += "[";
  EXPECT_NE(parse(objects).find("nested deeper"), std::string::npos);
}

TEST(StrictJson, ObjectOf1000MembersIsAcceptedAnd1001Refused) {
  EXPECT_EQ(parse(object_with_members(1000)), "");
  EXPECT_NE(parse(object_with_members(1001)).find("more than 1000 members"), std::string::npos);
  // Counted per object: members of a nested object are not the outer one's.
  EXPECT_EQ(parse("{\"x\":" + object_with_members(1000) + ",\"y\":" + object_with_members(1000) + "}"), "");
  EXPECT_NE(parse("[" + object_with_members(1001) + "]").find("more than 1000 members"), std::string::npos);
  // Arrays are not objects: their length is not bounded here.
  std::string long_array = "[0";
  for (int i = 0; i < 5000; ++i) long_array += ",0";
  EXPECT_EQ(parse(long_array + "]"), "");
}

TEST(StrictJson, DuplicateMemberNamesAreRefusedWhereverTheyAre) {
  EXPECT_NE(parse(R"({"j1_ver":"1.0","j1_ver":"2.0"})").find("duplicate member name \"j1_ver\""),
            std::string::npos);
  EXPECT_NE(parse(R"({"x":{"a":1,"b":2,"a":3}})").find("duplicate"), std::string::npos);
  EXPECT_NE(parse(R"([1,{"a":1,"a":1}])").find("duplicate"), std::string::npos);
  // A large object (sorted, not compared pairwise), with the twin far from its first.
  EXPECT_NE(parse(object_with_members(1000, "m0")).find("duplicate member name \"m0\""), std::string::npos);
  // Names that differ, and equal names in different objects, are fine.
  EXPECT_EQ(parse(R"({"a":{"a":1},"b":[{"a":1},{"a":2}],"A":0,"a ":0})"), "");
  // An escaped name is the same name as its plain spelling.
  EXPECT_NE(parse(R"({"a":1,"\u0061":2})").find("duplicate"), std::string::npos);
}

TEST(StrictJson, NulInStringsOrNamesIsRefused) {
  EXPECT_NE(parse(R"({"a":"x\u0000y"})").find("NUL"), std::string::npos);
  EXPECT_NE(parse(R"({"a\u0000":1})").find("NUL"), std::string::npos);
  // A raw NUL byte would end the text for RapidJSON: what follows must not be ignored.
  EXPECT_NE(parse(std::string("{\"a\":1}\0\xff garbage", 17)).find("NUL byte at offset 7"), std::string::npos);
}

TEST(StrictJson, InvalidUtf8IsRefused) {
  for (const std::string& bad : {
           std::string("{\"n\":\"\xff\"}"),              // a byte that is never UTF-8
           std::string("{\"\xff\":1}"),                  // ... in a name
           std::string("{\"n\":\"\xc0\xaf\"}"),          // overlong "/" (2 bytes)
           std::string("{\"n\":\"\xe0\x80\xaf\"}"),      // overlong "/" (3 bytes)
           std::string("{\"n\":\"\xf0\x80\x80\xaf\"}"),  // overlong "/" (4 bytes)
           std::string("{\"n\":\"\xed\xa0\x80\"}"),      // a surrogate, raw
           std::string("{\"n\":\"\xf4\x90\x80\x80\"}"),  // past U+10FFFF
           std::string("{\"n\":\"\xc3\"}"),              // cut short
           std::string("{\"n\":\"\\udc00\"}"),           // a lone low surrogate escape
           std::string("{\"n\":\"\\ud800\"}"),           // a lone high surrogate escape
           std::string("{\"n\":\"\\ud800\\u0041\"}"),    // a high surrogate without its low half
       }) {
    std::string error = parse(bad);
    EXPECT_NE(error, "") << bad;
    EXPECT_TRUE(error.find("UTF-8") != std::string::npos || error.find("surrogate") != std::string::npos)
        << bad << ": " << error;
  }
}

TEST(StrictJson, SyntaxErrorsSayWhereAndRefusalsLeaveNothingHalfBuilt) {
  rapidjson::Document doc;
  EXPECT_EQ(parse_strict_json("{\"a\":1,}", doc), "not JSON: Missing a name for object member. at offset 7");
  EXPECT_TRUE(doc.IsNull());
  EXPECT_NE(parse_strict_json("{} {}", doc).find("not JSON"), std::string::npos);
  EXPECT_NE(parse_strict_json("", doc).find("not JSON"), std::string::npos);
  EXPECT_NE(parse_strict_json("[NaN]", doc).find("not JSON"), std::string::npos);
}

TEST(Utf8, ValidationFollowsRfc3629) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));
  for (const char* bad : {"\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xbf\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80", "\xe2\x82", "12345678\xff"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
  EXPECT_EQ(to_valid_utf8("a\xff" "b\xe2\x82\xac"), "a\xef\xbf\xbd" "b\xe2\x82\xac");
}

TEST(JsonOutput, StringsThatAreNotUtf8AreMendedSoTheTextAlwaysIs) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember(json_string("k\xff", a), json_string("v\xc0\xaf", a), a);
  std::string text = to_json(d);
  EXPECT_EQ(text, "{\"k\xef\xbf\xbd\":\"v\xef\xbf\xbd\xef\xbf\xbd\"}");
  EXPECT_TRUE(is_valid_utf8(text));
  EXPECT_EQ(json_size(d), text.size());
}

TEST(JsonOutput, SizeIsExactlyTheLengthOfTheText) {
  rapidjson::Document d;
  for (const char* text : {"null", "true", "false", "{}", "[]", "[[],{}]", "\"\"", "0", "-1", "2147483647", "-2147483648",
                           "4294967295", "9223372036854775807", "-9223372036854775808", "18446744073709551615", "0.1",
                           "-0.0", "1e20", "1e21", "1.5e-7", "123456789.0", "3.141592653589793", "1e308", "5e-324",
                           R"({"a":1,"b":[1,2,{"c":null}],"d":{}})",
                           R"(["\u0001\u001f\b\t\n\f\r\"\\/\u007f caf\u00e9 \ud83d\ude00"])"}) {
    ASSERT_EQ(parse_strict_json(text, d), "") << text;
    EXPECT_EQ(json_size(d), to_json(d).size()) << text << " -> " << to_json(d);
  }
  rapidjson::Document mended(rapidjson::kObjectType);
  auto& a = mended.GetAllocator();
  mended.AddMember(json_string("\xff\x01\"", a), json_string("a\xc0\xaf\n\xe2\x82", a), a);
  EXPECT_EQ(json_size(mended), to_json(mended).size()) << to_json(mended);
}

TEST(JsonOutput, AppendStopsAtTheLimitAndLeavesTheTextAsItWas) {
  rapidjson::Document d(rapidjson::kArrayType);
  d.PushBack(1, d.GetAllocator()).PushBack(2, d.GetAllocator());  // [1,2]: 5 bytes
  std::string out = "ab";
  EXPECT_FALSE(append_json(d, out, 6));
  EXPECT_EQ(out, "ab");
  EXPECT_TRUE(append_json(d, out, 7));
  EXPECT_EQ(out, "ab[1,2]");
}

TEST(JsonOutput, StoredTextThatDoesNotParseStrictlyReadsAsNull) {
  rapidjson::Document d;
  for (const char* stored : {"{\"n\":\"\xff\"}", "{\"a\":1,\"a\":2}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                             "not json"}) {
    EXPECT_TRUE(parse_json(stored, d.GetAllocator()).IsNull()) << stored;
  }
  EXPECT_EQ(to_json(parse_json("{ \"a\" : [1, \"\\u00e9\"] }", d.GetAllocator())), "{\"a\":[1,\"\xc3\xa9\"]}");
}

}  // namespace
}  // namespace ota
