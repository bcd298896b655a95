"""Jupyter's own kernel conformance suite (jupyter_kernel_test) against the tnlab kernel.

Run by test/kernel/jupyter-kernel-test.test.ts with JUPYTER_PATH pointing at a temporary
prefix that holds the tnlab kernelspec, and the project's notebooks/ as working directory.
"""
import unittest

import jupyter_kernel_test


class TnlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "tnlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'

    completion_samples = [
        {"text": "Math.flo", "matches": {"floor"}},
        {"text": "const someLongName = 1;\nsomeLong", "matches": {"someLongName"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 3;", "function f(a: number) { return a; }"]
    incomplete_code_samples = ["function f(a: number) {", "const a = [1, 2,"]
    invalid_code_samples = [")", "let x = ;", "a b"]

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2, 3].length", "result": "3"},
    ]
    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'import * as tn from "tnlab";\ntn.display.html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'import * as tn from "tnlab";\ntn.display.plot.line([1, 2, 3]);', "mime": "application/vnd.plotly.v1+json"},
    ]

    code_inspect_sample = "Math.max"

    code_clear_output = 'import * as tn from "tnlab";\ntn.display.clear();'


if __name__ == "__main__":
    unittest.main()
