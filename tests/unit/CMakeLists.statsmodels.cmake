# Reference check of the Holt-Winters recursion against Python statsmodels
# (Debian: python3-statsmodels). include()d from tests/unit/CMakeLists.txt.
add_executable(fc_ref_tool fc_ref_tool.c)
target_link_libraries(fc_ref_tool PRIVATE safit samodel sa_warnings)

# python3-statsmodels installs into the system interpreter; a pyenv or venv
# python3 earlier on PATH would not see it, so pick the first python3 that
# can import it. Override with -DSA_STATSMODELS_PYTHON=...
if(NOT SA_STATSMODELS_PYTHON)
  find_program(SA_PATH_PYTHON3 python3)
  foreach(py IN ITEMS ${SA_PATH_PYTHON3} /usr/bin/python3)
    execute_process(COMMAND ${py} -c "import numpy, statsmodels"
                    RESULT_VARIABLE sa_py_rc OUTPUT_QUIET ERROR_QUIET)
    if(sa_py_rc EQUAL 0)
      set(SA_STATSMODELS_PYTHON ${py} CACHE FILEPATH "python3 with statsmodels")
      break()
    endif()
  endforeach()
endif()
if(NOT SA_STATSMODELS_PYTHON)
  message(STATUS "statsmodels not found: test_fc_statsmodels will be skipped")
  set(sa_sm_python python3) # the script reports the missing module and exits 77
else()
  set(sa_sm_python ${SA_STATSMODELS_PYTHON})
endif()

add_test(NAME test_fc_statsmodels
         COMMAND ${sa_sm_python} ${CMAKE_CURRENT_SOURCE_DIR}/test_fc_statsmodels.py
                 $<TARGET_FILE:fc_ref_tool>)
set_tests_properties(test_fc_statsmodels PROPERTIES LABELS fast TIMEOUT 120
                     SKIP_RETURN_CODE 77)
