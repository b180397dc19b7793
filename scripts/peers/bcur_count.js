// @ngraveio/bc-ur (the reference peeling decoder) as a peer for scripts/bench-peers.sh: reads
// streams written by `cargo bench --bench fountain -- peers OUTDIR` (fountain-streams.txt: a
// `# loss=L trial=T` line, then `SHOWN PART` lines, then a blank line) and prints one JSON line
// per stream: {"loss": L, "trial": T, "shown": frames shown when the decoder completed, or null}.
//   node bcur_count.js fountain-streams.txt
const fs = require('fs');
const { URDecoder } = require('@ngraveio/bc-ur');

const text = fs.readFileSync(process.argv[2], 'utf8');
for (const block of text.split('\n\n')) {
  const lines = block.split('\n').filter(Boolean);
  if (!lines.length || !lines[0].startsWith('# ')) continue;
  const head = Object.fromEntries(lines[0].slice(2).split(' ').map((kv) => kv.split('=')));
  const dec = new URDecoder();
  let shown = null;
  for (const l of lines.slice(1)) {
    const [at, part] = l.split(' ');
    dec.receivePart(part.toLowerCase());
    if (dec.isComplete()) {
      shown = dec.isSuccess() ? Number(at) : null;
      break;
    }
  }
  console.log(JSON.stringify({ loss: Number(head.loss), trial: Number(head.trial), shown }));
}
