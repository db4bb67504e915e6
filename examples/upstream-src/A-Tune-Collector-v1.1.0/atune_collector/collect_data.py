#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Copyright (c) 2020 Huawei Technologies Co., Ltd.
# A-Tune-Collector is licensed under the Mulan PSL v2.
"""
Collect system data for A-Tune model training.
"""

import argparse
import json
import platform


def memory_bandwidth_supported():
    """Memory bandwidth counters are only known on x86_64."""
    return platform.machine() == "x86_64"


def collect(config):
    items = []
    for item in config.get("collection_items", []):
        if item["module"] == "MEM" and not memory_bandwidth_supported():
            continue
        items.append(item["name"])
    return items


def main():
    parser = argparse.ArgumentParser(description="collect data")
    parser.add_argument("-c", "--config", default="/etc/atune_collector/collect_data.json")
    args = parser.parse_args()
    with open(args.config) as config_file:
        print(" ".join(collect(json.load(config_file))))


if __name__ == "__main__":
    main()
