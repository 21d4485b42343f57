# Reference check of the Holt-Winters recursion against Python statsmodels
# (Debian: python3-statsmodels). include()d from tests/unit/CMakeLists.txt.
add_executable(fc_ref_tool fc_ref_tool.c)
target_link_libraries(fc_ref_tool PRIVATE safit samodel sa_warnings)

add_test(NAME test_fc_statsmodels
         COMMAND ${SA_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_fc_statsmodels.py
                 $<TARGET_FILE:fc_ref_tool>)
set_tests_properties(test_fc_statsmodels PROPERTIES LABELS fast TIMEOUT 120)
