from setuptools import Extension, setup

setup(
    name="fastmath",
    version="0.3.1",
    description="Small integer routines in C with a command line front end",
    py_modules=["fastmath_cli"],
    ext_modules=[Extension("fastmath", ["src/fastmath.c"], extra_compile_args=["-O2"])],
    python_requires=">=3.8",
)
