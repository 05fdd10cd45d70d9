// Inputs the fuzz targets (fuzz/, docs/hardening.md) once crashed on, kept
// in fuzz/regressions/<target>/: each must now give a clean Error (or a
// value), never an exception or a crash. New crashes go there with the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "contract/forwarding_state.hpp"
#include "controlplane/graphml_importer.hpp"
#include "controlplane/yaml_loader.hpp"

namespace l2vpn {
namespace {

std::vector<std::pair<std::string, std::string>> inputs(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::filesystem::path dir = std::filesystem::path("fuzz/regressions") / target;
  if (!std::filesystem::exists(dir)) return out;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.emplace_back(e.path().string(), s.str());
  }
  return out;
}

TEST(FuzzRegressions, ForwardingStateJsonNumberOverflowIsAnError) {
  // nlohmann throws out_of_range (406), not parse_error, for a number no
  // double holds; the loader let it escape.
  auto r = forwarding_state_from_json(R"({"router": "PE1", "router_id": 1e6666})", "x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("x.json"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("overflow"), std::string::npos) << r.error().message;
}

TEST(FuzzRegressions, EveryKeptInputLoadsOrFailsCleanly) {
  auto fs = inputs("forwarding_state");
  EXPECT_FALSE(fs.empty()) << "run from the source tree (fuzz/regressions/)";
  for (auto& [name, text] : fs) EXPECT_NO_THROW((void)forwarding_state_from_json(text, name)) << name;
  for (auto& [name, text] : inputs("yaml"))
    EXPECT_NO_THROW((void)cp::parse_topology_yaml(text, "fuzz.yaml")) << name;
  for (auto& [name, text] : inputs("graphml"))
    EXPECT_NO_THROW((void)cp::parse_graphml(text.empty() ? text : text.substr(1), name)) << name;
}

}  // namespace
}  // namespace l2vpn
