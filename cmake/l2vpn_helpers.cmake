# DPDK's headers are third-party: include them as system headers so -Wall
# -Wextra judge only our code.
function(l2vpn_use_dpdk target)
  target_include_directories(${target} SYSTEM PUBLIC ${DPDK_INCLUDE_DIRS})
  target_compile_options(${target} PUBLIC ${DPDK_CFLAGS_OTHER})
  # The ring PMD is not in pkg-config's list but rte_eth_from_rings needs it.
  target_link_libraries(${target} PUBLIC ${DPDK_LINK_LIBRARIES} rte_net_ring)
endfunction()

# l2vpn_add_test(NAME SOURCES... LIBS ... LABELS ...): one GoogleTest binary
# registered as one CTest test, so binaries that share an EAL start it once.
function(l2vpn_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()
