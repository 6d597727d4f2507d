// Valid-looking synthetic identifiers for demo and benchmark data. They follow the published check
// algorithms (so the API accepts them) but use a region code and sequence ranges of our own choosing.

const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK = '10X98765432';
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const ORG_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A resident identity number (GB 11643) for Ningbo (330203), born on a day derived from `n`. */
export function residentId(n: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + (n % 18_000) * 86_400_000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  const seq = String(Math.floor(n / 18_000) % 1000).padStart(3, '0');
  const body = `330203${birth}${seq}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * (RESIDENT_WEIGHTS[i] as number);
  return body + RESIDENT_CHECK[sum % 11];
}

/** A unified social credit code (GB 32100) of an enterprise (91) in Ningbo, with its GB 11714 organization code. */
export function uscc(n: number): string {
  const org8 = String(n % 100_000_000).padStart(8, '0');
  let orgSum = 0;
  for (let i = 0; i < 8; i++) orgSum += ORG_ALPHABET.indexOf(org8[i] as string) * (ORG_WEIGHTS[i] as number);
  const c = 11 - (orgSum % 11);
  const orgCheck = c === 10 ? 'X' : c === 11 ? '0' : String(c);
  const body = `91330200${org8}${orgCheck}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(body[i] as string) * (USCC_WEIGHTS[i] as number);
  return body + USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国文辉力斌宇浩凯健俊帆鹏';
const ORG_WORDS = ['甬江', '三江', '海曙', '江北', '鄞州', '镇海', '北仑', '奉化', '东钱湖', '天一'];
const ORG_TRADES = ['贸易', '科技', '建设', '物流', '电器', '服饰', '食品', '机械', '文具', '塑业'];

/** A synthetic person's name (two or three characters). */
export function personName(n: number): string {
  const s = SURNAMES[n % SURNAMES.length] as string;
  const g1 = GIVEN[Math.floor(n / SURNAMES.length) % GIVEN.length] as string;
  const g2 = n % 3 === 0 ? '' : (GIVEN[Math.floor(n / 7) % GIVEN.length] as string);
  return s + g1 + g2;
}

/** A synthetic company name. */
export function orgName(n: number): string {
  return `宁波${ORG_WORDS[n % ORG_WORDS.length]}${ORG_TRADES[Math.floor(n / 10) % ORG_TRADES.length]}有限公司${n}`;
}
