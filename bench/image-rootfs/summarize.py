import csv, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
base = {(r['pass'], r['par']): r for r in rows if r['variant'] == 'base'}
out = {}
for r in rows:
    b = base[(r['pass'], r['par'])]
    key = (r['variant'], r['par'])
    # per-container wall: sequential -> mean latency; parallel -> total wall / n (throughput cost) and mean latency
    out.setdefault(key, []).append((float(r['mean_lat_s']) / float(b['mean_lat_s']),
                                    (float(r['total_s']) / int(r['n'])) / (float(b['total_s']) / int(b['n']))))
print('variant\tpar\tlatency_ratio_vs_base (per pass)\tmedian\twall_per_container_ratio (per pass)\tmedian')
for (v, p), xs in sorted(out.items(), key=lambda kv: (kv[0][1], st.median(x[0] for x in kv[1]))):
    lat = [x[0] for x in xs]; thr = [x[1] for x in xs]
    print(f"{v}\t{p}\t{' '.join(f'{x:.1f}' for x in lat)}\t{st.median(lat):.1f}\t{' '.join(f'{x:.1f}' for x in thr)}\t{st.median(thr):.1f}")
