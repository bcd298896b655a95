# The tnlab native addon: OpenBLAS (CBLAS + LAPACKE) and oneDNN kernels. Include and library
# folders come from find-libs.js, which looks where Debian, Homebrew and conda put them.
{
  "targets": [
    {
      "target_name": "tnlab_native",
      "sources": ["src/addon.cc", "src/blas.cc", "src/dnnl.cc", "src/lapack.cc", "src/norm.cc", "src/optim.cc", "src/tt.cc"],
      "include_dirs": ["<!@(node find-libs.js include)"],
      "libraries": ["<!@(node find-libs.js libs)"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      # -fno-math-errno: no errno branch after each square root, so loops with one vectorize
      # (optim.cc's Adam); the addon never reads errno, and the results are the same.
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-fopenmp", "-fno-math-errno"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_LDFLAGS": ["<!@(node find-libs.js rpath)"]
      },
      "ldflags": ["<!@(node find-libs.js rpath)", "-fopenmp"]
    }
  ]
}
