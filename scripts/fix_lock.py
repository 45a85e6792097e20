# Adds lock entries for deno's optional per-platform packages that this npm mirror does not
# serve, marked with their os/cpu so npm ci skips them on Linux x64 without fetching them.
import json, sys
p = sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json'
d = json.load(open(p))
pk = d['packages']
ver = pk['node_modules/deno']['version']
plat = {
  'darwin-arm64': (['darwin'], ['arm64'], None),
  'darwin-x64': (['darwin'], ['x64'], None),
  'linux-arm64-glibc': (['linux'], ['arm64'], ['glibc']),
  'win32-arm64': (['win32'], ['arm64'], None),
  'win32-x64': (['win32'], ['x64'], None),
}
for name, (os_, cpu, libc) in plat.items():
  key = f'node_modules/@deno/{name}'
  if key in pk: continue
  e = {'version': ver, 'cpu': cpu, 'dev': True, 'license': 'MIT', 'optional': True, 'os': os_}
  if libc: e['libc'] = libc
  pk[key] = e
d['packages'] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(d, open(p, 'w'), indent=2)
open(p, 'a').write('\n')
