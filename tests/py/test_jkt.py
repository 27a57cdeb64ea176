"""jupyter_kernel_test (pinned 0.7.0) against the built ytkernel.

Every attribute is set, so every one of its tests runs and none skips, plus
the iopub_welcome test.  The kernel gets its own YTK_HOME (fresh store and
history).  JUPYTER_PATH points into the build tree (set by CTest).
"""
import os
import shutil
import tempfile
import unittest

import jupyter_kernel_test as jkt

_HOME = tempfile.mkdtemp(prefix="ytk-jkt-")
os.environ["YTK_HOME"] = _HOME


def tearDownModule():
    shutil.rmtree(_HOME, ignore_errors=True)


class YtkernelTests(jkt.KernelTests):
    kernel_name = "ytkernel"
    language_name = "sql"
    file_extension = ".sql"

    @classmethod
    def setUpClass(cls):
        # jupyter_kernel_test sends its next request a moment after
        # test_error's failing cell, with stop_on_error: the kernel's abort
        # window (which makes "Run All" stop, see test_protocol.py) would
        # abort it.  A program sending cells one at a time sets the window
        # to 0, as documented -- for this kernel only.
        os.environ["YTK_STOP_ON_ERROR_TIMEOUT"] = "0"
        try:
            super().setUpClass()
        finally:
            del os.environ["YTK_STOP_ON_ERROR_TIMEOUT"]

    code_hello_world = "%print hello, world"
    code_stderr = "%print --stderr oops"

    completion_samples = [
        {"text": "%lsm", "matches": {"%lsmagic"}},
        {"text": "%ver", "matches": {"%version"}},
    ]
    complete_code_samples = ["SELECT 1;", "%lsmagic", "SELECT 1;\nSELECT 2;"]
    incomplete_code_samples = ["SELECT 1", "SELECT 'abc", "%print 'unterminated"]
    invalid_code_samples = ["SELECT 1;\n%%print x"]

    code_page_something = "%help"
    code_generate_error = "SELECT * FROM no_such_table"
    code_execute_result = [
        {"code": "SELECT 6*7", "result": "42"},
        {"code": "SELECT 'a' || 'b'", "result": "ab"},
    ]
    code_display_data = [
        {"code": "%version", "mime": "text/html"},
        {"code": "%version", "mime": "text/plain"},
    ]
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "SELECT 6?7"
    code_inspect_sample = "%print"
    code_clear_output = "%clear"


class YtkernelWelcomeTests(jkt.IopubWelcomeTests):
    kernel_name = "ytkernel"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
