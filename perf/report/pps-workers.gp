set terminal pngcairo size 1000,600 font ',10' noenhanced
set output 'perf/report/pps-workers.png'
set title 'Packets per second against workers (unprotect, RTP; median, bars min-max)'
set xlabel 'workers'
set ylabel 'packets per second'
set grid
set key outside right top
set logscale y
plot 'perf/report/pps-workers.dat' index 0 using 1:2:3:4 with yerrorlines title 'dataplane AES_CM_128_HMAC_SHA1_80 160B 10000 streams', \
     'perf/report/pps-workers.dat' index 1 using 1:2:3:4 with yerrorlines title 'dataplane AEAD_AES_128_GCM 160B 10000 streams', \
     'perf/report/pps-workers.dat' index 2 using 1:2:3:4 with yerrorlines title 'crypto AES_CM_128_HMAC_SHA1_80 160B 10000 streams', \
     'perf/report/pps-workers.dat' index 3 using 1:2:3:4 with yerrorlines title 'ipsec-mb-raw AES_CM_128_HMAC_SHA1_80 160B 10000 streams', \
     'perf/report/pps-workers.dat' index 4 using 1:2:3:4 with yerrorlines title 'crypto AEAD_AES_128_GCM 160B 10000 streams', \
     'perf/report/pps-workers.dat' index 5 using 1:2:3:4 with yerrorlines title 'ipsec-mb-raw AEAD_AES_128_GCM 160B 10000 streams'
