// Independent UR peer for tests/interop.rs: @ngraveio/bc-ur (reference "peeling" decoder).
//   node bcur.js encode TYPE HEX_FILE MAX_FRAGMENT COUNT   -> COUNT part strings, one per line
//   node bcur.js decode < parts.txt                         -> JSON {type, hex, partsUsed}
const fs = require('fs');
const { UR, UREncoder, URDecoder } = require('@ngraveio/bc-ur');

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'encode') {
  const [type, hexFile, maxFrag, count] = args;
  const payload = Buffer.from(fs.readFileSync(hexFile, 'utf8').trim(), 'hex');
  const ur = new UR(UR.fromBuffer(payload).cbor, type);
  const enc = new UREncoder(ur, Number(maxFrag), 0);
  const out = [];
  for (let i = 0; i < Number(count); i++) out.push(enc.nextPart());
  process.stdout.write(out.join('\n') + '\n');
} else if (cmd === 'decode') {
  const lines = fs.readFileSync(0, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const dec = new URDecoder();
  let used = 0;
  for (const l of lines) {
    used++;
    dec.receivePart(l);
    if (dec.isComplete()) break;
  }
  if (!dec.isComplete() || !dec.isSuccess()) {
    console.log(JSON.stringify({ complete: false, partsUsed: used }));
    process.exit(0);
  }
  const ur = dec.resultUR();
  console.log(JSON.stringify({ complete: true, type: ur.type, hex: ur.decodeCBOR().toString('hex'), partsUsed: used }));
} else {
  console.error('usage: bcur.js encode|decode');
  process.exit(2);
}
