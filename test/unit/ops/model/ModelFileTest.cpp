#include "runtime/ops/model/Model.h"
#include "runtime/ops/model/Train.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

namespace {

std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("mlpc-model-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

pb::Model smallModel() {
  Table data = table({floats("x", {0, 1, 2, 3}), ints("y", {0, 0, 1, 1})});
  TrainSpec s;
  s.label = "y";
  s.features = {"x"};
  s.hidden = {3};
  s.epochs = 2;
  s.optimizer = "adam";
  pb::TransformGraph g;
  g.set_format_version(1);
  pb::ColumnTransform *t = g.add_transforms();
  t->set_column("x");
  t->mutable_z_score()->set_mean(1.5);
  t->mutable_z_score()->set_std_dev(1.1);
  s.transform = &g;
  return trainMlp(data, s, ExecOptions{});
}

std::string errorOf(const std::string &path) {
  try {
    loadModel(path);
  } catch (const OpError &e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST(ModelFile, SaveLoadRoundTrip) {
  pb::Model m = smallModel();
  std::string path = tempPath("round-trip.model");
  saveModel(m, path);
  pb::Model back = loadModel(path);
  EXPECT_EQ(back.SerializeAsString(), m.SerializeAsString());
  EXPECT_EQ(back.transform().transforms(0).z_score().mean(), 1.5);
  EXPECT_EQ(back.layers(1).weights(0), m.layers(1).weights(0));
  std::remove(path.c_str());
}

TEST(ModelFile, CorruptFilesNameThePath) {
  std::string path = tempPath("corrupt.model");
  writeBytes(path, "this is not a protobuf \xff\xff\xff");
  std::string msg = errorOf(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("corrupt"), std::string::npos) << msg;

  // A truncated model either fails to parse or fails the layer checks.
  std::string bytes = smallModel().SerializeAsString();
  writeBytes(path, bytes.substr(0, bytes.size() / 2));
  msg = errorOf(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;

  // Well-formed protobuf, inconsistent model.
  pb::Model m = smallModel();
  m.mutable_layers(1)->set_inputs(7);
  saveModel(m, path);
  msg = errorOf(path);
  EXPECT_NE(msg.find("layer 1 takes 7 inputs, expected 3"), std::string::npos) << msg;

  writeBytes(path, "");
  EXPECT_NE(errorOf(path).find("format_version"), std::string::npos);
  std::remove(path.c_str());

  msg = errorOf(path + ".absent");
  EXPECT_NE(msg.find("cannot open model file"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path + ".absent"), std::string::npos) << msg;
}
