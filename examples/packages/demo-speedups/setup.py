from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("demo_speedups._speedups", ["src/demo_speedups/_speedups.c"]),
    ],
)
