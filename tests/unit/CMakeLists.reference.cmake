# Reference checks of the classifier's numbers: metrics against scikit-learn
# (Debian's python3-sklearn), exploration statistics against numpy.
add_executable(metrics_ref_tool metrics_ref_tool.c)
target_link_libraries(metrics_ref_tool PRIVATE sacls sa_warnings)
add_test(NAME test_cls_metrics_sklearn
         COMMAND ${SA_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_cls_metrics_sklearn.py
                 $<TARGET_FILE:metrics_ref_tool>)
set_tests_properties(test_cls_metrics_sklearn PROPERTIES LABELS fast TIMEOUT 120)

add_executable(explore_ref_tool explore_ref_tool.c)
target_link_libraries(explore_ref_tool PRIVATE saexplore sa_warnings)
add_test(NAME test_cls_explore_numpy
         COMMAND ${SA_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_cls_explore_numpy.py
                 $<TARGET_FILE:explore_ref_tool>)
set_tests_properties(test_cls_explore_numpy PROPERTIES LABELS fast TIMEOUT 120)
