set terminal pngcairo size 1000,600 font ',10' noenhanced
set output 'perf/report/latency.png'
set title 'srtpedge dataplane latency, send to receipt (at the offered load of each row)'
set xlabel 'streams'
set ylabel 'microseconds'
set grid
set key outside right top
set logscale x
set logscale y
plot 'perf/report/latency.dat' index 0 using 1:2:3:4 with yerrorlines title 'p50 AES_CM_128_HMAC_SHA1_80 160B', \
     'perf/report/latency.dat' index 1 using 1:2:3:4 with yerrorlines title 'p99 AES_CM_128_HMAC_SHA1_80 160B', \
     'perf/report/latency.dat' index 2 using 1:2:3:4 with yerrorlines title 'p99.9 AES_CM_128_HMAC_SHA1_80 160B', \
     'perf/report/latency.dat' index 3 using 1:2:3:4 with yerrorlines title 'p50 AEAD_AES_128_GCM 160B', \
     'perf/report/latency.dat' index 4 using 1:2:3:4 with yerrorlines title 'p99 AEAD_AES_128_GCM 160B', \
     'perf/report/latency.dat' index 5 using 1:2:3:4 with yerrorlines title 'p99.9 AEAD_AES_128_GCM 160B', \
     'perf/report/latency.dat' index 6 using 1:2:3:4 with yerrorlines title 'p50 AES_CM_128_HMAC_SHA1_80 20B', \
     'perf/report/latency.dat' index 7 using 1:2:3:4 with yerrorlines title 'p99 AES_CM_128_HMAC_SHA1_80 20B', \
     'perf/report/latency.dat' index 8 using 1:2:3:4 with yerrorlines title 'p99.9 AES_CM_128_HMAC_SHA1_80 20B', \
     'perf/report/latency.dat' index 9 using 1:2:3:4 with yerrorlines title 'p50 AES_CM_128_HMAC_SHA1_80 1200B', \
     'perf/report/latency.dat' index 10 using 1:2:3:4 with yerrorlines title 'p99 AES_CM_128_HMAC_SHA1_80 1200B', \
     'perf/report/latency.dat' index 11 using 1:2:3:4 with yerrorlines title 'p99.9 AES_CM_128_HMAC_SHA1_80 1200B', \
     'perf/report/latency.dat' index 12 using 1:2:3:4 with yerrorlines title 'p50 AEAD_AES_128_GCM 20B', \
     'perf/report/latency.dat' index 13 using 1:2:3:4 with yerrorlines title 'p99 AEAD_AES_128_GCM 20B', \
     'perf/report/latency.dat' index 14 using 1:2:3:4 with yerrorlines title 'p99.9 AEAD_AES_128_GCM 20B', \
     'perf/report/latency.dat' index 15 using 1:2:3:4 with yerrorlines title 'p50 AEAD_AES_128_GCM 1200B', \
     'perf/report/latency.dat' index 16 using 1:2:3:4 with yerrorlines title 'p99 AEAD_AES_128_GCM 1200B', \
     'perf/report/latency.dat' index 17 using 1:2:3:4 with yerrorlines title 'p99.9 AEAD_AES_128_GCM 1200B'
