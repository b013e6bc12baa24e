from setuptools import Extension, setup

setup(
    name="faststats",
    version="1.0.0",
    ext_modules=[Extension("faststats", ["faststats.c"])],
)
