#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Copyright (c) 2020 Huawei Technologies Co., Ltd.
# A-Tune-Collector is licensed under the Mulan PSL v2.
"""
setup script for A-Tune-Collector
"""

from setuptools import setup, find_packages

setup(
    name="atune_collector",
    version="1.1.0",
    author="Huawei Technologies Co., Ltd.",
    description="A-Tune-Collector is used to collect various system resources.",
    url="https://gitee.com/openeuler/A-Tune-Collector",
    license="MulanPSL-2.0",
    packages=find_packages(),
    data_files=[('/etc/atune_collector', ['atune_collector/collect_data.json'])],
    entry_points={
        "console_scripts": ["atune-collector=atune_collector.collect_data:main"],
    },
)
