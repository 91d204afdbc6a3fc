# polls.gp - bench/compare's plot: polls per second of argos and its
# peers against the number of simulated devices, log-log.
# Called as: gnuplot -e "data='FILE'; out='FILE.svg'" polls.gp
set terminal svg size 800,480 dynamic font "sans,11"
set output out
set title "argos and its peers against argos-farm (one CPU each, same run)"
set xlabel "simulated devices"
set ylabel "polls per second (ICMP probes, ifXTable walks)"
set logscale xy
set key outside right top
set grid
set datafile missing "NaN"
plot data using 1:2 with linespoints lw 2 title "argos ICMP", \
     data using 1:3 with linespoints title "fping", \
     data using 1:4 with linespoints lw 2 title "argos ifXTable walks", \
     data using 1:5 with linespoints title "braa walks", \
     data using 1:6 with linespoints title "snmp_exporter walks"
