// The bottom layer (base/): the utilities every other layer shares.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/file_read.h"
#include "text/ascii_case.h"
#include "text/utf16.h"
#include "text/varint.h"

namespace {

namespace fs = std::filesystem;

TEST(AsciiCase, FoldsOnlyAsciiLettersAndLeavesUtf8Whole) {
  EXPECT_EQ(text::lowered("MMC.exe \xC3\x89T\xC3\x89"), "mmc.exe \xC3\x89t\xC3\x89");  // ÉTÉ: only the T folds
  std::string s = "Sysmon/Operational";
  text::upper_in_place(s);
  EXPECT_EQ(s, "SYSMON/OPERATIONAL");
  EXPECT_TRUE(text::iequals("Microsoft-Windows-Sysmon", "microsoft-windows-SYSMON"));
  EXPECT_FALSE(text::iequals("tcp", "tcp "));
  EXPECT_FALSE(text::iequals("\xC3\x89", "\xC3\xA9"));  // É and é: not ASCII, not folded
  EXPECT_TRUE(text::istarts_with("HKLM\\System", "hklm\\"));
  EXPECT_FALSE(text::istarts_with("HK", "hklm"));
}

TEST(Varint, RoundTripsAtEveryWidthAndZigzagsSignedValues) {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{300}, uint64_t{1} << 35, UINT64_MAX}) {
    std::string out;
    text::put_varint(out, v);
    const auto* p = reinterpret_cast<const uint8_t*>(out.data());
    EXPECT_EQ(text::get_varint_unchecked(p), v);
    EXPECT_EQ(reinterpret_cast<const char*>(p), out.data() + out.size()) << v;
  }
  std::string two;
  text::put_varint(two, 300);
  EXPECT_EQ(two, "\xAC\x02");
  EXPECT_EQ(text::zigzag(-1), 1u);
  EXPECT_EQ(text::zigzag(1), 2u);
  EXPECT_EQ(text::unzigzag(text::zigzag(INT64_MIN)), INT64_MIN);
}

TEST(Utf16, ValidTextEncodesAndEachByteOfAnInvalidSequenceIsAReplacement) {
  EXPECT_EQ(text::utf16le("A\xC3\xA9"), std::string("A\0\xE9\0", 4));
  EXPECT_EQ(text::utf16be("A"), std::string("\0A", 2));
  EXPECT_EQ(text::utf16le("\xF0\x9F\x98\x80"), std::string("\x3D\xD8\x00\xDE", 4));  // U+1F600: a surrogate pair
  std::string out;
  // A stray continuation byte, an overlong '/', a cut-short sequence at the
  // end: 1 + 2 + 2 bytes, each a U+FFFD.
  EXPECT_EQ(text::append_utf16le(out,
                                 "\x80"
                                 "\xC0\xAF"
                                 "\xE2\x82"),
            5u);
  EXPECT_EQ(out, std::string("\xFD\xFF\xFD\xFF\xFD\xFF\xFD\xFF\xFD\xFF"));
}

TEST(FileRead, ReadsUnderTheCapAndSaysWhyNot) {
  fs::path dir = fs::temp_directory_path() / ("evtxhunt-base-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "ten") << "0123456789";
  std::string why;
  EXPECT_EQ(io::read_file(dir / "ten", 10, &why), std::optional<std::string>("0123456789"));
  EXPECT_FALSE(io::read_file(dir / "ten", 9, &why));
  EXPECT_EQ(why, "larger than 9 bytes");
  EXPECT_FALSE(io::read_file(dir / "none", 9, &why));
  EXPECT_EQ(why, "cannot open: No such file or directory");
  fs::create_symlink(dir / "ten", dir / "link");
  EXPECT_TRUE(io::read_file(dir / "link", 10));
  EXPECT_FALSE(io::read_file(dir / "link", 10, &why, {.follow_links = false}));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(io::read_file(dir / "fifo", 10, &why, {.follow_links = false}));  // refused, not waited on
  EXPECT_EQ(why, "not a regular file");
  EXPECT_EQ(io::without_utf8_bom("\xEF\xBB\xBFid: x"), "id: x");
  EXPECT_EQ(io::without_utf8_bom("id"), "id");
  fs::remove_all(dir);
}

}  // namespace
