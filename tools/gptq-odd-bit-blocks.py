#!/usr/bin/env python3
"""Prints the unrolled GEMV blocks of GptqMatrix.OddBits.cs (Block5/6Biased512).

Codes of 5 and 6 bits cross 32-bit words (3-bit groups are stored as bit planes instead, see GptqMatrix.Planes.cs), so each of a block's 32 rows needs its own shifts; the C#
spells every one out with literal shifts so that the JIT emits immediate shifts and no branches. Edit
this generator and paste its output instead of editing the methods by hand:

    python3 tools/gptq-odd-bit-blocks.py
"""


def block(bits: int) -> str:
    top = 23 - bits  # the code lands in the top `bits` mantissa bits of 1.0f: the float is 1 + q / 2^bits
    mantissa = ((1 << bits) - 1) << top
    lines = []
    if bits == 5:
        lines.append('''    /// <summary>
    /// sum_j x[j] * (1 + q_j / 32) over one 5-bit 32-row block (Vector512): each code is moved into the top
    /// mantissa bits of 1.0f (a shift and a bit-select instead of shift, mask and convert; see the 4-bit GEMV);
    /// the caller turns the sum into sum x q = 32 (sum - sum x). The 6-bit block works the same way.
    /// </summary>''')
    else:
        lines.append(f'    /// <summary>sum_j x[j] * (1 + q_j / {1 << bits}) over one {bits}-bit 32-row block (Vector512); '
                     f'see <see cref="Block5Biased512"/>.</summary>')
    lines.append(f'''    private static Vector512<float> Block{bits}Biased512(uint* block, long n, float* x)
    {{
        var one = Vector512.Create(0x3F800000u);
        var mantissa = Vector512.Create(0x{mantissa:08X}u);
        var mask = Vector512.Create({(1 << bits) - 1}u);''')
    for w in range(bits):
        lines.append(f'        var w{w} = Vector512.Load(block + {w}L * n);')
    lines.append('        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;')
    for j in range(32):
        bit = bits * j
        w, s = bit >> 5, bit & 31
        if s + bits <= 32:
            if s < top:
                moved = f'Vector512.ShiftLeft(w{w}, {top - s})'
            elif s == top:
                moved = f'w{w}'
            else:
                moved = f'Vector512.ShiftRightLogical(w{w}, {s - top})'
            value = f'Vector512.ConditionalSelect(mantissa, {moved}, one).AsSingle()'
        else:  # the code crosses into the next word
            value = f'(Vector512.ShiftLeft(Codes512(w{w}, w{w + 1}, {s}, {bits}, mask), {top}) | one).AsSingle()'
        a = j % 4
        lines.append(f'        a{a} = Vector512.FusedMultiplyAdd({value}, Vector512.Create(x[{j}]), a{a});')
    lines.append('''        return (a0 + a1) + (a2 + a3);
    }
''')
    return '\n'.join(lines)


if __name__ == '__main__':
    print('\n'.join(block(b) for b in (5, 6)), end='')
