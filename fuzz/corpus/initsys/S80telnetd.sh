#!/bin/sh
image_sign=`cat /etc/config/image_sign`
if [ "$1" = "start" ]; then
	telnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &
else
	killall telnetd
fi
