#!/usr/bin/env python3
# Scores a Stryker run made on a copy of the tree in which every `// Stryker disable once` was renamed to
# `// Stryker-was-disabled-once` (line numbers unchanged), so that Stryker tested the mutants the comments skip.
# Prints the score with the disables honoured (the mutants on the line each comment covers left out), whether each
# comment is still needed (at least one mutant it covers survived), and every other survivor.
#
#   git clone . /tmp/mut && cd /tmp/mut && grep -rl 'Stryker disable once' src | xargs sed -i 's/Stryker disable once/Stryker-was-disabled-once/'
#   eng/mutation.sh codec
#   python3 eng/stryker/score-with-disables.py /tmp/mut /tmp/mut/StrykerOutput/codec/reports/mutation-report.json
import json,sys,re,os,collections
root,report=sys.argv[1],sys.argv[2]
r=json.load(open(report))
dis=collections.defaultdict(set)
for dp,dn,fn in os.walk(os.path.join(root,'src')):
    for f in fn:
        if f.endswith('.cs'):
            p=os.path.join(dp,f)
            for i,l in enumerate(open(p),1):
                if 'Stryker-was-disabled-once' in l:
                    dis[os.path.relpath(p,root)].add(i+1)
# A comment covers the statement that follows it, blocks included: every mutant inside the span of the mutants that
# start on the next line.
def covering(rel, mutants, line):
    for first in dis.get(rel,()):
        starts=[m for m in mutants if m['location']['start']['line']==first]
        end=max((m['location']['end']['line'] for m in starts), default=first)
        if first<=line<=end: return first
    return None
c=collections.Counter(); excluded=collections.Counter(); needed=collections.defaultdict(set); surv=[]
for path,f in r['files'].items():
    rel=os.path.relpath(path,root) if os.path.isabs(path) else path
    for m in f['mutants']:
        st=m['status']; line=m['location']['start']['line']
        if st in ('CompileError','Ignored'): continue
        first=covering(rel, f['mutants'], line)
        if first is not None:
            excluded[st]+=1
            if st in ('Survived','NoCoverage'): needed[rel].add(first)
            continue
        c[st]+=1
        if st in ('Survived','NoCoverage'): surv.append(f"{st} {rel}:{line} {m['mutatorName']}: {m.get('replacement','')[:80]}")
k=c['Killed']+c['Timeout']; tot=k+c['Survived']+c['NoCoverage']
print('with the disables:',dict(c),'score %.2f%% (%d of %d)'%(100*k/tot,k,tot))
print('on disabled lines:',dict(excluded))
for rel,lines in dis.items():
    for l in sorted(lines):
        print(('needed  ' if l in needed[rel] else 'UNNEEDED'),rel,l-1)
print('\n'.join(surv))
