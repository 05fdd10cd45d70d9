// LDP engine benchmark: N FECs (default 10,000) advertised, withdrawn and
// advertised again through one session between two engines wired back to
// back in one process (no sockets: the engine's own cost).
//
//   ldp_bench [--fecs N]
//
// Router A (1.1.1.1) is egress for N /32 FECs (implicit null); router B
// (2.2.2.2) routes them via A, so under ordered control it allocates a label
// per FEC and advertises it back (A keeps them: liberal retention). Prints
// per phase the wall time per FEC (until B's bindings hold all of them, or
// none), the bytes on the wire per FEC, and the heap held per FEC by both
// engines (glibc mallinfo2).

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ldp/engine.hpp"

using namespace l2vpn::ldp;
using Clock = std::chrono::steady_clock;

namespace {

struct Pair {
  Engine a, b;
  Time now{0};
  uint64_t wire_bytes = 0;
  Pair(Config ca, Config cb) : a(std::move(ca)), b(std::move(cb)) {}
  Engine& other(Engine& e) { return &e == &a ? b : a; }
  uint32_t id(Engine& e) { return e.config().lsr_id; }
  void pump() {
    for (bool any = true; any;) {
      any = false;
      for (Engine* e : {&a, &b}) {
        for (auto& act : e->take_actions()) {
          any = true;
          Engine& o = other(*e);
          switch (act.kind) {
            case Action::Kind::SendHello:
              o.on_hello("e1", id(*e), act.bytes, now);
              break;
            case Action::Kind::Connect:
              if (o.on_accept(id(*e), now))
                e->on_connected(act.peer, now);
              else
                e->on_connect_failed(act.peer, now);
              break;
            case Action::Kind::Send:
              wire_bytes += act.bytes.size();
              o.on_data(id(*e), act.bytes, now);
              break;
            case Action::Kind::Close:
              o.on_closed(id(*e), now);
              break;
          }
        }
      }
    }
  }
  void run(Time d) {
    for (Time end = now + d; now < end; now += Time(100)) {
      a.tick(now);
      b.tick(now);
      pump();
    }
  }
};

size_t heap() { return mallinfo2().uordblks; }

}  // namespace

int main(int argc, char** argv) {
  int n = 10000;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--fecs") && i + 1 < argc) n = std::atoi(argv[++i]);
  Config ca, cb;
  ca.lsr_id = 0x01010101;
  cb.lsr_id = 0x02020202;
  ca.interfaces = cb.interfaces = {"e1"};
  size_t heap0 = heap();
  Pair p(ca, cb);
  RoutingView va, vb;
  va.interface_addresses = {0x01010101};
  vb.interface_addresses = {0x02020202};
  p.a.set_routing(va, p.now);
  p.b.set_routing(vb, p.now);
  p.run(Time(1000));
  RoutingView full_a = va, full_b = vb;
  for (int i = 0; i < n; ++i) {
    Prefix f{0x0b000000u + uint32_t(i), 32};
    full_a.local_fecs.push_back(f);
    full_b.routes.push_back(Route{f, {0x01010101}, false});
  }
  p.b.set_routing(full_b, p.now);  // B knows the routes before A advertises
  size_t heap_before = heap();
  std::printf("ldp_bench: %d FECs through one session (engines back to back)\n", n);
  std::printf("%-22s %12s %12s %12s %14s\n", "phase", "total ms", "us/FEC", "wire B/FEC",
              "heap B/FEC");
  auto phase = [&](const char* name, const RoutingView& view, size_t want) {
    uint64_t wire0 = p.wire_bytes;
    auto t0 = Clock::now();
    p.a.set_routing(view, p.now);
    p.pump();
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    size_t have = p.b.bindings().fecs.size();
    // B's own loopback is not among them; A's label for each FEC is.
    size_t got = 0;
    for (const auto& fb : p.b.bindings().fecs) got += !fb.remote.empty() && fb.local_label;
    if (got != want) {
      std::fprintf(stderr, "ldp_bench: %s: B holds %zu labelled FECs (%zu in all), want %zu\n",
                   name, got, have, want);
      std::exit(1);
    }
    std::printf("%-22s %12.1f %12.2f %12.1f %14.0f\n", name, ms, ms * 1000.0 / n,
                double(p.wire_bytes - wire0) / n,
                (double(heap()) - double(heap_before)) / n);
  };
  phase("advertise", full_a, size_t(n));
  phase("withdraw", va, 0);
  phase("advertise again", full_a, size_t(n));
  std::printf("engines' heap at the end: %.1f MiB (%.0f B/FEC, both routers)\n",
              (heap() - heap0) / 1048576.0, double(heap() - heap0) / n);
  return 0;
}
