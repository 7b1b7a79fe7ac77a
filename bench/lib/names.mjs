// Countries with their locales, common first/last names and e-mail domains, for realistic-looking rows.

export const COUNTRIES = [
  {
    code: 'DK',
    locale: 'da',
    weight: 0.3,
    domain: 'example.dk',
    first: [
      'Mette',
      'Anne',
      'Kirsten',
      'Hanne',
      'Lars',
      'Jens',
      'Peter',
      'Søren',
      'Mads',
      'Freja',
      'Ida',
      'Emma',
      'Rasmus',
      'Jørgen',
      'Birthe',
      'Niels',
    ],
    last: [
      'Nielsen',
      'Jensen',
      'Hansen',
      'Pedersen',
      'Andersen',
      'Christensen',
      'Larsen',
      'Sørensen',
      'Rasmussen',
      'Jørgensen',
      'Madsen',
      'Kristensen',
      'Møller',
      'Østergaard',
    ],
  },
  {
    code: 'PL',
    locale: 'pl',
    weight: 0.35,
    domain: 'example.pl',
    first: [
      'Anna',
      'Maria',
      'Katarzyna',
      'Małgorzata',
      'Agnieszka',
      'Piotr',
      'Krzysztof',
      'Andrzej',
      'Tomasz',
      'Paweł',
      'Łukasz',
      'Zofia',
      'Michał',
      'Magdalena',
      'Jakub',
      'Ewa',
    ],
    last: [
      'Nowak',
      'Kowalski',
      'Wiśniewski',
      'Wójcik',
      'Kowalczyk',
      'Kamiński',
      'Lewandowski',
      'Zieliński',
      'Szymański',
      'Woźniak',
      'Dąbrowski',
      'Kozłowski',
      'Mazur',
      'Krawczyk',
    ],
  },
  {
    code: 'DE',
    locale: 'de',
    weight: 0.35,
    domain: 'example.de',
    first: [
      'Ursula',
      'Sabine',
      'Petra',
      'Monika',
      'Thomas',
      'Michael',
      'Andreas',
      'Stefan',
      'Jürgen',
      'Lena',
      'Jonas',
      'Lukas',
      'Julia',
      'Katrin',
      'Jörg',
      'Sophie',
    ],
    last: [
      'Müller',
      'Schmidt',
      'Schneider',
      'Fischer',
      'Weber',
      'Meyer',
      'Wagner',
      'Becker',
      'Schulz',
      'Hoffmann',
      'Schäfer',
      'Koch',
      'Bauer',
      'Groß',
    ],
  },
];

const FOLD = { ø: 'o', æ: 'ae', å: 'a', ł: 'l', ß: 'ss', ö: 'oe', ä: 'ae', ü: 'ue' };

/** ASCII for an e-mail local part: "Søren" -> "soren", "Łukasz" -> "lukasz", "Müller" -> "mueller". */
export function asciiFold(s) {
  return s
    .toLowerCase()
    .replace(/[øæåłßöäü]/g, (c) => FOLD[c])
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/** Draws countries by their weights with the given seeded random source. */
export function countryPicker(rnd) {
  const total = COUNTRIES.reduce((sum, c) => sum + c.weight, 0);
  return () => {
    let x = rnd.next() * total;
    for (const c of COUNTRIES) {
      x -= c.weight;
      if (x < 0) return c;
    }
    return COUNTRIES[0];
  };
}
