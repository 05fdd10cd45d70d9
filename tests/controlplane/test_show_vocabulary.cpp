// `l2vpn topo --show lfib|ftn` name an NHLFE that pushes no label with the
// one word every tool uses (issue 15 item 11): "implicit-null", as FRR's
// `show mpls table` does, not "Pop Label" in one table and "No Label" or
// "(none: PHP)" in the other.
#include <gtest/gtest.h>

#include "controlplane/show.hpp"
#include "controlplane/yaml_loader.hpp"

namespace l2vpn::cp {
namespace {

TEST(ShowVocabulary, LfibAndFtnSayImplicitNullForNoOutgoingLabel) {
  auto topo = load_topology("topologies/default.yaml");
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  auto st = compute(*topo, {});
  ASSERT_TRUE(st.ok()) << st.error().message;
  for (const char* router : {"pe1", "p1", "p2"}) {
    auto lfib = show_lfib(*topo, *st, router);
    auto ftn = show_ftn(*topo, *st, router);
    ASSERT_TRUE(lfib.ok() && ftn.ok());
    for (const std::string* text : {&*lfib, &*ftn}) {
      EXPECT_EQ(text->find("Pop Label"), std::string::npos) << *text;
      EXPECT_EQ(text->find("No Label"), std::string::npos) << *text;
      EXPECT_EQ(text->find("(none: PHP)"), std::string::npos) << *text;
    }
  }
  // pe1's LFA backup towards pe2 is the direct link: no label pushed.
  auto lfib = show_lfib(*topo, *st, "pe1");
  EXPECT_NE(lfib->find("implicit-null via to-pe2 (pe2)"), std::string::npos) << *lfib;
  auto ftn = show_ftn(*topo, *st, "pe1");
  EXPECT_NE(ftn->find("implicit-null"), std::string::npos) << *ftn;
}

}  // namespace
}  // namespace l2vpn::cp
