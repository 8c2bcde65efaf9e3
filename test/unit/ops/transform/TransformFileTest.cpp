// saveTransform / loadTransform: round trip, and files that are not a
// TransformGraph.
#include "runtime/ops/transform/Transform.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace mlpc::ops;
using namespace mlpc::ops::transform;
using namespace mlpc::ops::test;

namespace fs = std::filesystem;

namespace {

class TransformFile : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mlpc-transform-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string &name) const { return (dir_ / name).string(); }
  void write(const std::string &name, const std::string &bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }

  fs::path dir_;
};

pb::TransformGraph fitted() {
  Table t = table({floats("x", {1, 2, 3, 4}), strings("s", {"a", "b", "a", ""}, {1, 1, 1, 0}),
                   floats("q", {4, 3, 2, 1})});
  FitSpec spec;
  spec.zScore = {"x"};
  spec.vocabulary = {"s"};
  spec.numOovBuckets = 2;
  spec.bucketize = {"q"};
  spec.numBuckets = 3;
  return fit(t, spec);
}

TEST_F(TransformFile, RoundTrip) {
  pb::TransformGraph g = fitted();
  saveTransform(g, path("t.pb"));
  pb::TransformGraph back = loadTransform(path("t.pb"));
  EXPECT_EQ(back.SerializeAsString(), g.SerializeAsString());
  EXPECT_EQ(back.transforms(1).vocabulary().values(0), "a");
  EXPECT_FALSE(fs::exists(path("t.pb.tmp")));
  // Saving again replaces the file.
  g.set_fitted_rows(99);
  saveTransform(g, path("t.pb"));
  EXPECT_EQ(loadTransform(path("t.pb")).fitted_rows(), 99);
}

TEST_F(TransformFile, MissingFileNamesThePath) {
  expectError([&] { loadTransform(path("absent.pb")); }, path("absent.pb"));
}

TEST_F(TransformFile, CorruptFileNamesThePath) {
  std::string bytes = fitted().SerializeAsString();
  write("cut.pb", bytes.substr(0, bytes.size() / 2));
  expectError([&] { loadTransform(path("cut.pb")); }, path("cut.pb"));
  write("junk.pb", std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11));
  expectError([&] { loadTransform(path("junk.pb")); }, path("junk.pb"));
}

TEST_F(TransformFile, WrongFileIsNotATransform) {
  write("empty.pb", "");
  expectError([&] { loadTransform(path("empty.pb")); }, path("empty.pb"));
  write("text.pb", "species,mass\nAdelie,3750\n");
  expectError([&] { loadTransform(path("text.pb")); }, path("text.pb"));
  // Another message decodes (wire format is lenient) but has no version.
  pb::Field other;
  other.set_name("not a graph");
  write("field.pb", other.SerializeAsString());
  expectError([&] { loadTransform(path("field.pb")); }, "format version 0");
}

TEST_F(TransformFile, InvalidContentIsRejected) {
  pb::TransformGraph g = fitted();
  g.set_format_version(2);
  saveTransform(g, path("v2.pb"));
  expectError([&] { loadTransform(path("v2.pb")); }, "format version 2");
  pb::TransformGraph h = fitted();
  h.mutable_transforms(2)->mutable_bucketize()->set_boundaries(0, 1e9);
  saveTransform(h, path("order.pb"));
  expectError([&] { loadTransform(path("order.pb")); }, "out of order");
  pb::TransformGraph k = fitted();
  k.mutable_transforms(1)->mutable_vocabulary()->set_num_oov_buckets(-4);
  saveTransform(k, path("oov.pb"));
  expectError([&] { loadTransform(path("oov.pb")); }, "`s`");
}

TEST_F(TransformFile, UnwritablePathNamesIt) {
  const std::string target = path("no/such/dir/t.pb");
  expectError([&] { saveTransform(fitted(), target); }, target);
}

TEST_F(TransformFile, LoadedGraphAppliesLikeTheOriginal) {
  pb::TransformGraph g = fitted();
  saveTransform(g, path("t.pb"));
  Table t = table({floats("x", {0, 5}), strings("s", {"a", "zz"}), floats("q", {1, 4})});
  Table a = apply(t, g), b = apply(t, loadTransform(path("t.pb")));
  EXPECT_EQ(a.at("x").floats, b.at("x").floats);
  EXPECT_EQ(a.at("s").ints, b.at("s").ints);
  EXPECT_EQ(a.at("q").ints, b.at("q").ints);
}

} // namespace
