/** State of `random:index/randomString:RandomString` / `RandomPassword`, honouring the character-class inputs. */
import { randomInt } from "node:crypto";

/** The provider's default special characters. */
const DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

/** Resource inputs/state as plain values. */
export type Props = Record<string, unknown>;

const flag = (v: unknown): boolean => v !== false;
const count = (v: unknown): number => (typeof v === "number" ? v : 0);

/** Random `result` with `length` chars from the enabled classes and at least min{Upper,Lower,Numeric,Special} of each. */
export function randomStringState(inputs: Props): Props {
    const length = inputs.length;
    if (typeof length !== "number" || !Number.isInteger(length) || length < 1) {
        throw new Error(`random mock: length must be a positive integer, got ${String(length)}`);
    }
    const special = typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : DEFAULT_SPECIAL;
    const classes: Array<[boolean, string, number]> = [
        [flag(inputs.upper), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", count(inputs.minUpper)],
        [flag(inputs.lower), "abcdefghijklmnopqrstuvwxyz", count(inputs.minLower)],
        [flag(inputs.numeric) && flag(inputs.number), "0123456789", count(inputs.minNumeric)],
        [flag(inputs.special), special, count(inputs.minSpecial)],
    ];
    const pick = (set: string): string => set[randomInt(set.length)];
    const chars: string[] = [];
    for (const [, set, min] of classes) {
        for (let i = 0; i < min; i++) chars.push(pick(set));
    }
    const all = classes.filter(([on]) => on).map(([, set]) => set).join("");
    if (all === "" || chars.length > length) {
        throw new Error("random mock: no character class enabled, or min* counts exceed length");
    }
    while (chars.length < length) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return {
        ...inputs,
        upper: flag(inputs.upper),
        lower: flag(inputs.lower),
        numeric: flag(inputs.numeric) && flag(inputs.number),
        number: flag(inputs.numeric) && flag(inputs.number),
        special: flag(inputs.special),
        result: chars.join(""),
    };
}
