#!/bin/sh
wget -O /tmp/f "$1"
mtd -r write /tmp/f firmware
dd if=/tmp/f of=/dev/mtd3
