#include "nn/models/registry.h"

#include <gtest/gtest.h>

#include <string>

namespace revive::nn::models {
namespace {

TEST(Registry, BuildsEveryNamedModel) {
  const std::vector<std::string> expected = {"resnet20",    "resnet32",     "resnet56",   "resnet110", "mobilenetv1",
                                             "mobilenetv2", "shufflenetv1", "densenet40", "cnn"};
  EXPECT_EQ(model_names(), expected);
  for (const std::string& name : model_names()) {
    const auto model = make_model(name, 1, 10);
    ASSERT_NE(model, nullptr) << name;
    EXPECT_GT(model->n_parameters(), 0) << name;
  }
  // Counts from the model tests (3 channels, 10 classes).
  EXPECT_EQ(make_model("resnet20", 3, 10)->n_parameters(), 269722);
  EXPECT_EQ(make_model("resnet56", 3, 10)->n_parameters(), 853018);
  EXPECT_EQ(make_model("mobilenetv1", 3, 10)->n_parameters(), 3217226);
  EXPECT_EQ(make_model("mobilenetv2", 3, 10)->n_parameters(), 2296922);
  EXPECT_EQ(make_model("shufflenetv1", 3, 10)->n_parameters(), 862768);
  EXPECT_EQ(make_model("densenet40", 3, 10)->n_parameters(), 1059298);
  EXPECT_EQ(make_model("cnn", 1, 10)->n_parameters(), 94186);
}

TEST(Registry, UnknownNameListsTheValidOnes) {
  try {
    make_model("resnet18", 3, 10);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("resnet18"), std::string::npos) << what;
    EXPECT_NE(what.find("resnet20, resnet32, resnet56, resnet110, mobilenetv1, mobilenetv2, shufflenetv1, "
                        "densenet40, cnn"),
              std::string::npos)
        << what;
  }
}

TEST(Registry, OptionsReachMobileNetV2Only) {
  ModelOptions half;
  half.width = 0.5f;
  EXPECT_LT(make_model("mobilenetv2", 3, 10, half)->n_parameters(), 2296922);
  EXPECT_THROW(make_model("resnet20", 3, 10, half), Error);
  ModelOptions relu6;
  relu6.relu6 = true;
  EXPECT_EQ(make_model("mobilenetv2", 3, 10, relu6)->n_parameters(), 2296922);
  EXPECT_THROW(make_model("cnn", 1, 10, relu6), Error);
  EXPECT_THROW(make_model("cnn", 0, 10), Error);
}

}  // namespace
}  // namespace revive::nn::models
