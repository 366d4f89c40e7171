"""Name tables for the synthetic population: UK first names, surnames and their weights.

Lists are ranked from most to least common (roughly following ONS birth registrations across
the generations alive today and the ONS/Guild of One-Name Studies surname counts), and drawn
with Zipf-like weights, so "Smith", "Jones", "Williams", "Taylor" and "Brown" head the
surnames in about their real proportions.  A few accented and non-English names are kept in
their native spelling, because sources disagree on how to fold them.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

__all__ = [
    "FEMALE_NAMES",
    "MALE_NAMES",
    "SURNAMES",
    "SURNAME_ENDINGS",
    "SURNAME_STEMS",
    "NicknameTable",
    "nickname_table",
    "zipf_weights",
]

# fmt: off
MALE_NAMES: tuple[str, ...] = (
    "James", "John", "David", "Michael", "Paul", "Andrew", "Robert", "Peter", "Mark",
    "Richard", "Thomas", "Christopher", "Daniel", "Stephen", "William", "Matthew", "Anthony",
    "Ian", "Steven", "Simon", "Jonathan", "Alan", "Gary", "Martin", "Kevin", "George",
    "Joseph", "Jack", "Oliver", "Adam", "Benjamin", "Samuel", "Harry", "Graham", "Brian",
    "Neil", "Colin", "Keith", "Philip", "Lee", "Jason", "Craig", "Darren", "Scott", "Stuart",
    "Nicholas", "Edward", "Alexander", "Luke", "Ryan", "Liam", "Charles", "Kenneth", "Patrick",
    "Sean", "Ronald", "Raymond", "Dean", "Barry", "Nigel", "Trevor", "Roger", "Derek",
    "Terence", "Dennis", "Gordon", "Malcolm", "Tony", "Shaun", "Wayne", "Carl", "Jamie",
    "Joshua", "Lewis", "Callum", "Connor", "Nathan", "Jake", "Charlie", "Alfie", "Henry",
    "Jacob", "Noah", "Leo", "Oscar", "Archie", "Arthur", "Freddie", "Theo", "Ethan", "Mason",
    "Dylan", "Kieran", "Aaron", "Jordan", "Bradley", "Ross", "Gareth", "Rhys", "Owen",
    "Dafydd", "Gavin", "Glen", "Frank", "Albert", "Ernest", "Harold", "Leonard", "Stanley",
    "Douglas", "Norman", "Victor", "Frederick", "Roy", "Gerald", "Hugh", "Francis", "Vincent",
    "Eric", "Mohammed", "Muhammad", "Ali", "Ahmed", "Hassan", "Imran", "Omar", "Raj", "Sanjay",
    "Amit", "Arjun", "Rohan", "Tomasz", "Piotr", "Łukasz", "José", "Luis", "Carlos", "Seán",
    "Ciarán", "Niall", "Declan", "Eoin", "Marco", "Luca", "Max", "Toby", "Reece", "Elliot",
    "Harvey", "Louis", "Finley", "Isaac", "Tyler", "Robin",
)

FEMALE_NAMES: tuple[str, ...] = (
    "Sarah", "Susan", "Elizabeth", "Margaret", "Helen", "Emma", "Claire", "Julie", "Karen",
    "Mary", "Patricia", "Jennifer", "Linda", "Catherine", "Jane", "Emily", "Laura", "Rebecca",
    "Nicola", "Lisa", "Michelle", "Joanne", "Rachel", "Amanda", "Louise", "Victoria", "Hannah",
    "Charlotte", "Jessica", "Sophie", "Amy", "Lucy", "Samantha", "Kelly", "Gemma", "Jacqueline",
    "Deborah", "Alison", "Angela", "Christine", "Barbara", "Janet", "Carol", "Ann", "Anne",
    "Pauline", "Sandra", "Wendy", "Joan", "Dorothy", "Jean", "Brenda", "Gillian", "Valerie",
    "Sheila", "Maureen", "Shirley", "Diane", "Tracey", "Donna", "Dawn", "Lynn", "Kim",
    "Sharon", "Andrea", "Natalie", "Zoe", "Chloe", "Olivia", "Amelia", "Isla", "Ava", "Mia",
    "Grace", "Ella", "Lily", "Freya", "Isabella", "Poppy", "Evie", "Ruby", "Sophia", "Holly",
    "Megan", "Bethany", "Jade", "Katie", "Abigail", "Eleanor", "Alice", "Ellie", "Georgia",
    "Lauren", "Danielle", "Stephanie", "Kirsty", "Leanne", "Stacey", "Hayley", "Kathryn",
    "Katherine", "Caroline", "Fiona", "Heather", "Ruth", "Joanna", "Anna", "Rose", "Fatima",
    "Aisha", "Ayesha", "Priya", "Sana", "Noor", "Amina", "Siân", "Niamh", "Aoife", "Ciara",
    "Siobhan", "Róisín", "Renée", "Zoë", "Chloé", "Agnieszka", "Magdalena", "Maria", "Sofia",
    "Marta", "Bridget", "Edith", "Irene", "Marion", "Doris", "Elsie", "Florence", "Ivy",
    "Vera", "Sylvia", "Audrey", "Hazel", "Iris", "Rita", "Gwen", "Ffion", "Cerys", "Bronwen",
    "Eilidh", "Morag", "Jasmine", "Harriet", "Phoebe", "Imogen", "Naomi", "Esther",
)

SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain",
    "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd",
    "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews",
    "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day",
    "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson",
    "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells",
    "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster",
    "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons",
    "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton",
    "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane",
    "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson",
    "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne",
    "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor",
    "Harper", "Coleman", "Watkins", "Moss", "McCarthy", "Chambers", "O'Neill", "Griffin",
    "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Doyle", "Wallace",
    "George", "Jordan", "Hutchinson", "Rowe", "Burke", "May", "Pritchard", "Gilbert", "Willis",
    "Higgins", "Read", "Miles", "Stevenson", "Stephenson", "Hammond", "Arnold", "Buckley",
    "Walters", "Hewitt", "Barber", "Nelson", "Slater", "Austin", "Sullivan", "Whitehead",
    "Mann", "Frost", "Lambert", "Stephens", "Blake", "Akhtar", "Lynch", "Goodwin", "Barton",
    "Woodward", "Thomson", "Cunningham", "Quinn", "Barnett", "Baxter", "Bibi", "Clayton",
    "Nash", "Greenwood", "Jennings", "Holt", "Kemp", "Poole", "Gallagher", "Bond", "Stokes",
    "Tucker", "Davidson", "Fowler", "Heath", "Norman", "Middleton", "Lawson", "Banks",
    "French", "Stanley", "Jarvis", "Gibbs", "Ferguson", "Hayward", "Carroll", "Douglas",
    "Dickinson", "Todd", "Barlow", "Peters", "Lucas", "Knowles", "Hartley", "Miah", "Simmons",
    "Morton", "Alexander", "Field", "MacDonald", "Chen", "Nowak", "Kowalski", "Da Silva",
    "Nguyen", "Wong", "Müller", "Smith-Jones", "O'Sullivan", "Rahman", "Islam", "Choudhury",
)

# A long tail of rarer (but plausible) English surnames, built from common stems and endings:
# without it every customer would share one of 300 surnames, far more collisions than real.
SURNAME_STEMS: tuple[str, ...] = (
    "Ash", "Black", "Brad", "Cald", "Win", "Hol", "Bram", "Whit", "Gold", "Hay", "Stan",
    "Thorn", "Wather", "Rad", "Gar", "Bur", "Kings", "Hart", "Pen", "Ather", "Crans", "Fair",
    "Lang", "Mar", "Sel", "Tre", "Wal", "Red", "Ship", "Dun", "Elm", "Oak", "Bright", "Cold",
    "Horn", "Fel",
)
SURNAME_ENDINGS: tuple[str, ...] = (
    "worth", "ley", "ton", "field", "by", "ford", "well", "wood", "hurst", "ham", "combe",
    "stead",
)

# Nicknames whose first letter differs from the name's but that are in everyday British use;
# the nicknames package also lists archaic or regional ones ("hobkin", "dob") we leave out.
_CROSS_LETTER = frozenset(
    {
        "bob", "bobby", "bill", "billy", "dick", "ted", "teddy", "ned", "peggy", "meg",
        "jack", "betty", "beth", "bess", "libby", "liz", "lizzie", "tony", "sandy", "sally",
        "polly", "molly", "harry", "hal", "kate", "katie", "kathy", "cathy", "kath", "cath",
        "trish", "tricia", "nell", "nellie", "ellie", "sasha", "becky", "tori", "vicky",
    }
)
_ODD = frozenset(
    {"day", "dob", "hob", "hobkin", "dobbin", "bela", "bell", "jem", "jock", "hap", "haps",
     "dickon", "sukey", "midge", "daisy", "micah", "reba", "dann", "jos", "thom", "lib"}
)
# fmt: on


def zipf_weights(n: int, *, offset: float = 10.0, exponent: float = 1.0) -> npt.NDArray[np.float64]:
    """Probabilities for ranks ``1..n`` proportional to ``1 / (rank + offset) ** exponent``."""
    ranks = np.arange(1, n + 1, dtype=np.float64)
    weights: npt.NDArray[np.float64] = 1.0 / (ranks + offset) ** exponent
    weights /= weights.sum()
    return weights


class NicknameTable:
    """Nicknames of a list of first names, flattened for vectorised draws.

    ``values[offsets[i]:offsets[i + 1]]`` are the nicknames of name ``i`` (title case).
    """

    def __init__(self, values: npt.NDArray[np.object_], offsets: npt.NDArray[np.int64]) -> None:
        self.values = values
        self.offsets = offsets

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        """How many nicknames each name has."""
        return np.diff(self.offsets)

    def draw(
        self, name_index: npt.NDArray[np.int64], rng: np.random.Generator
    ) -> npt.NDArray[np.object_]:
        """One random nickname per entry of ``name_index`` (None where the name has none)."""
        counts = self.counts[name_index]
        pick = (rng.random(len(name_index)) * np.maximum(counts, 1)).astype(np.int64)
        flat = np.minimum(self.offsets[name_index] + pick, max(len(self.values) - 1, 0))
        out = np.full(len(name_index), None, dtype=object)
        has = counts > 0
        out[has] = self.values[flat[has]]
        return out


@functools.cache
def nickname_table(names: tuple[str, ...]) -> NicknameTable:
    """Build (once per name list) the table of everyday nicknames of ``names``."""
    from anyascii import anyascii
    from nicknames import NickNamer

    namer = NickNamer()
    values: list[str] = []
    offsets = [0]
    for name in names:
        key = anyascii(name).lower()
        nicks = sorted(
            nick
            for nick in namer.nicknames_of(key)
            if nick.isalpha()
            and len(nick) >= 2
            and nick != key
            and nick not in _ODD
            and (nick[0] == key[0] or nick in _CROSS_LETTER)
        )
        values.extend(nick.title() for nick in nicks)
        offsets.append(len(values))
    return NicknameTable(np.array(values, dtype=object), np.array(offsets, dtype=np.int64))
