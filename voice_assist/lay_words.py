"""Everyday words for health matters, and the words a factsheet uses for them ("tummy" → stomach).

A question in everyday words often shares no word with the section that answers it: "why are his arms getting
so skinny" has nothing in common with "thin". The matcher reads a lay word or phrase that the content does not
use as the first of its standard words that the content does. Each section's own "Ask:" lines remain the place
for its particular wording; this list is for any factsheet. Written from general knowledge, not from the
question sets (tests/data/).
"""

from __future__ import annotations

_ENTRIES = """
tummy: stomach, abdomen
belly: abdomen, stomach
gut: bowel, intestine, stomach
bum: buttocks, anus
butt: buttocks
back passage: rectum, anus
tailbone: coccyx, spine
backbone: spine, spinal column
windpipe: trachea, airway
voice box: larynx, vocal cords
adams apple: larynx, throat
gullet: esophagus, oesophagus, throat
food pipe: esophagus, oesophagus
ticker: heart
collarbone: clavicle
kneecap: patella, knee
armpit: axilla
glands: lymph nodes
boobs: breasts
womb: uterus
privates: genitals
waterworks: bladder, urinary, urination
dizzy: dizziness, vertigo, lightheaded
woozy: dizziness, lightheaded
giddy: dizziness, vertigo
head spinning: vertigo, dizziness
room spinning: vertigo, dizziness
pass out: faint, loss of consciousness, syncope
black out: loss of consciousness, faint, seizure
fit: seizure, epilepsy, convulsion
funny turn: seizure, faint, episode
shaky: tremor, unsteady, weakness
shaking: tremor, shivering
trembling: tremor
muscle jumping: twitching, fasciculation
jerk: spasm, twitching, myoclonus
charley horse: cramp, muscle cramp
stiff: stiffness, spasticity, rigidity
tight muscles: spasticity, stiffness, tightness
floppy: weakness, low muscle tone
pins and needles: tingling, numbness, paresthesia
tingly: tingling, numbness
numb: numbness, loss of sensation
tired: fatigue, exhaustion
knackered: fatigue, exhaustion
worn out: fatigue, exhaustion
run down: fatigue, tiredness, unwell
no energy: fatigue, lethargy, tiredness
sleepy: drowsiness, sleepiness, fatigue
groggy: drowsiness, confusion
nod off: drowsiness, sleepiness
cant sleep: insomnia, sleep problems
breathing pauses: sleep apnea, apnoea
wetting the bed: bedwetting, incontinence, enuresis
clammy: sweating, cold sweat
hot flush: hot flash, flushing, menopause
shivery: chills, shivering, fever
feverish: fever, high temperature
high temp: fever, high temperature
snot: mucus, nasal discharge
blocked nose: nasal congestion, congestion
stuffy nose: nasal congestion, congestion
frog in my throat: hoarseness, hoarse voice
croaky: hoarseness, hoarse voice
lost my voice: laryngitis, hoarseness, voice loss
chesty: chest infection, chest congestion, mucus
smokers cough: chronic cough, copd, bronchitis
coughing up blood: hemoptysis, blood in sputum
rattly chest: secretions, chest congestion, mucus
gurgling: secretions, noisy breathing, saliva
wheezy: wheezing, wheeze
out of breath: breathless, shortness of breath
short of breath: shortness of breath, breathlessness
puffed out: breathless, shortness of breath
gasping for air: shortness of breath, breathlessness
cant catch my breath: shortness of breath, breathlessness
cant breathe: breathing difficulty, shortness of breath, respiratory failure
tight chest: chest tightness
cant lie flat: orthopnea, breathlessness
puffer: inhaler
breathing machine: ventilator, ventilation, bipap
breathing mask: bipap, cpap, ventilation
life support: ventilator, mechanical ventilation
breathing tube: tracheostomy, intubation, ventilator
trachy: tracheostomy
oxygen machine: oxygen concentrator, oxygen
cough machine: cough assist, airway clearance
blue lips: cyanosis, low oxygen
down the wrong way: aspiration, choking
cant swallow: swallowing difficulty, dysphagia
food sticking: dysphagia, swallowing difficulty
spit: saliva, sputum
dribble: drool, saliva
dribbling: drooling, saliva
too much spit: excess saliva, drooling, sialorrhea
dry mouth: xerostomia, saliva
thick spit: thick saliva, mucus
off my food: loss of appetite, appetite
not hungry: loss of appetite, appetite
picky eater: appetite, eating problems
skinny: thin, weight loss
wasting away: wasting, weight loss, atrophy
losing weight: weight loss
lost weight: weight loss
chubby: overweight, obesity
peg: feeding tube, gastrostomy
stomach tube: feeding tube, gastrostomy
tube feeding: feeding tube, enteral nutrition
drip: intravenous, iv, infusion
mushy food: pureed food, soft diet, modified diet
burp: belching, reflux
wind: flatulence, gas, bloating
tummy ache: abdominal pain, stomach ache
stomach ache: abdominal pain
sick: nausea, vomiting, illness
feel sick: nausea
queasy: nausea
throw up: vomit, vomiting
threw up: vomit, vomiting
puke: vomit, vomiting
barf: vomit, vomiting
the runs: diarrhoea, diarrhea
bunged up: constipation, congestion
backed up: constipation
poo: stool, bowel movement, faeces
poop: stool, bowel movement, feces
pee: urine, urination, urinate
wee: urine, urination, urinate
pee a lot: frequent urination, urinary frequency
wet myself: incontinence, urinary incontinence
leak: incontinence, leakage
soiling: fecal incontinence, faecal incontinence, incontinence
nappy: incontinence pads, pads
water infection: urinary tract infection, uti
blood in pee: blood in urine, haematuria, hematuria
loo: toilet
achy: aches, pain, muscle pain
sore: pain, tenderness, soreness
hurt: pain
shooting pain: nerve pain, neuropathic pain, sciatica
throbbing: pulsating, pain, headache
sore head: headache
agony: severe pain
crick: neck pain, stiffness, muscle spasm
bad back: back pain, lower back pain
rheumatism: arthritis, joint pain
wear and tear: osteoarthritis, degeneration
slipped disc: herniated disc, disc prolapse
trapped nerve: nerve compression, radiculopathy
pinched nerve: nerve compression, radiculopathy
nerve pain: neuropathic pain, neuropathy, neuralgia
pulled muscle: muscle strain, strain
aches and pains: pain, aches, discomfort
uncomfortable: discomfort, pain
constant pain: chronic pain, persistent pain
knock on the head: head injury, concussion
swollen: swelling, oedema, edema
puffy: swelling, edema, oedema
water retention: fluid retention, oedema, edema
itchy: itching, pruritus
bed sore: pressure ulcer, pressure sore
yellow skin: jaundice
feeling down: depression, low mood
down in the dumps: depression, low mood
feeling blue: depression, low mood
fed up: frustration, low mood
miserable: depression, low mood, sadness
moody: mood swings, mood changes, irritability
weepy: tearfulness, crying, depression
crying for no reason: emotional lability, pseudobulbar affect, crying
laughing for no reason: inappropriate laughter, pseudobulbar affect, emotional lability
on edge: anxiety, irritability, restlessness
stressed out: stress, anxiety
panicky: panic attacks, anxiety, panic
scared: fear, anxiety
wound up: anxiety, stress, agitation
cant cope: coping, stress, distress
not coping: coping, stress, distress
grumpy: irritability, mood changes
lashing out: aggression, agitation
not himself: personality change, behavior change, mood changes
not herself: personality change, behaviour change, mood changes
lonely: loneliness, isolation, social isolation
end it all: suicidal thoughts, suicide
want to die: suicidal thoughts, suicide
kill myself: suicide, suicidal thoughts
hurt myself: self harm
cant be bothered: apathy, lack of motivation, depression
lost interest: apathy, loss of interest, depression
hopeless: hopelessness, depression
grieving: grief, bereavement
shrink: psychiatrist, psychologist, counselling
talking therapy: counselling, counseling, psychotherapy
someone to talk to: counselling, support group, emotional support
forgetful: memory loss, memory problems, forgetfulness
forgetting things: memory loss, memory problems
brain fog: cognitive impairment, confusion, poor concentration
muddled: confusion, cognitive impairment
mixed up: confusion, disorientation
senile: dementia, cognitive decline
cant think straight: confusion, poor concentration
cant concentrate: poor concentration, concentration, attention
slow thinking: cognitive impairment, processing speed
seeing things: hallucinations
hearing voices: hallucinations, psychosis
slur: slurred speech, dysarthria
slurring: slurred speech, dysarthria
mumbling: slurred speech, dysarthria
talking funny: speech changes, slurred speech
cant talk: loss of speech, speech problems, communication
quiet voice: soft voice, hypophonia, voice changes
lost for words: aphasia, word finding difficulty
talking computer: communication aid, speech generating device
letter board: communication board, communication aid
wobbly: unsteady, balance problems, unsteadiness
unsteady on feet: balance problems, unsteadiness
legs giving way: falls, weakness
fell: fall, falls
fell over: fall, falls
stumble: tripping, falls
stumbling: tripping, falls, unsteadiness
clumsy: clumsiness, poor coordination
dropping things: grip, weakness, clumsiness
weak grip: grip strength, hand weakness
shuffling: shuffling gait, gait, walking
walking funny: gait, walking difficulty, limp
dragging foot: foot drop
floppy head: neck weakness, head drop
cant walk: walking difficulty, mobility, paralysis
bedridden: bedbound, immobile
wheelchair bound: wheelchair user, immobility
paralysed: paralysis
paralyzed: paralysis
losing muscle: muscle wasting, atrophy, muscle loss
walking stick: cane, walking aid
zimmer frame: walker, walking frame
scooter: mobility scooter, powered wheelchair
electric wheelchair: powered wheelchair, power wheelchair
lifting machine: hoist, patient lift
grab rail: grab bar, handrail
neck brace: cervical collar, neck collar
brace: orthosis, splint
gadgets: aids, assistive devices, equipment
panic button: personal alarm, emergency alarm
pill box: dosette box, pill organiser, pill organizer
mini stroke: transient ischemic attack, tia
brain bleed: brain haemorrhage, brain hemorrhage, stroke
growth: tumour, tumor, lump
nerve damage: neuropathy, nerve injury
lou gehrigs disease: amyotrophic lateral sclerosis, als, motor neuron disease
ms: multiple sclerosis
heart racing: palpitations, tachycardia, rapid heart rate
fluttering: palpitations, arrhythmia
high blood: hypertension, high blood pressure
bp: blood pressure
clot in the leg: deep vein thrombosis, dvt, blood clot
sugar: diabetes, blood sugar, blood glucose
hypo: hypoglycemia, hypoglycaemia, low blood sugar
brain scan: mri, ct scan, imaging
scan: imaging, mri, ct scan
cat scan: ct scan, computed tomography
xray: x ray, radiograph, imaging
bloods: blood tests, blood test
blood work: blood tests, blood test
spinal tap: lumbar puncture
nerve test: nerve conduction study, electromyography, emg
needle test: electromyography, emg, biopsy
brain wave test: eeg, electroencephalogram
heart scan: echocardiogram, ecg
breathing test: lung function test, pulmonary function test, spirometry
blow test: spirometry, lung function test
swallow test: swallowing assessment, videofluoroscopy, barium swallow
camera test: endoscopy, colonoscopy
tissue sample: biopsy
pee test: urine test, urinalysis
check up: examination, physical exam, review
memory test: cognitive assessment, cognitive test
dna test: genetic testing, genetic test
gene test: genetic testing, genetic test
whats wrong: diagnosis, cause
all clear: negative result, remission
doc: doctor, physician
family doctor: general practitioner, gp, primary care physician
brain doctor: neurologist
nerve doctor: neurologist
heart doctor: cardiologist
lung doctor: respiratory physician, pulmonologist
stomach doctor: gastroenterologist
bone doctor: orthopedic surgeon, orthopaedic surgeon, rheumatologist
cancer doctor: oncologist
home nurse: community nurse, district nurse, home health nurse
physio: physical therapy, physiotherapy, physiotherapist
pt: physical therapy, physical therapist
ot: occupational therapy, occupational therapist
food doctor: dietitian, nutritionist
carer: caregiver, care worker
home help: home care, care worker, domiciliary care
old folks home: care home, nursing home, residential care
carer break: respite care, respite
comfort care: palliative care, end of life care
casualty: emergency department, accident and emergency
a and e: emergency department, accident and emergency
op: operation, surgery
jab: injection, vaccine, vaccination
shot: injection, vaccine, vaccination
meds: medications, medicines, medication
pill: tablet, medication, capsule
script: prescription
chemist: pharmacy, pharmacist
painkillers: analgesics, pain medication, pain relief
strong painkillers: opioids, morphine
anti inflammatories: nsaids, anti inflammatory drugs, ibuprofen
happy pills: antidepressants
sleeping pills: sleeping tablets, hypnotics, sedatives
muscle relaxers: muscle relaxants
water tablets: diuretics
water pills: diuretics
blood thinners: anticoagulants, warfarin
liquid medicine: oral solution, liquid medication, syrup
natural remedies: complementary therapy, alternative medicine
trial drugs: clinical trial, experimental treatment
what can be done: treatment, treatment options, management
runs in the family: hereditary, inherited, genetic
in the family: family history, hereditary
in the genes: genetic, hereditary, inherited
passed down: inherited, hereditary
pass it on: inherited, hereditary, genetic
faulty gene: genetic mutation, gene mutation, gene variant
family tree: family history, pedigree
catching: contagious, infectious
germs: bacteria, virus, infection
tummy bug: gastroenteritis, stomach virus, diarrhoea
kids: children, offspring
mum: mother, parent
mom: mother, parent
dad: father, parent
nan: grandmother, grandparent
grandad: grandfather, grandparent
hubby: husband, spouse, partner
other half: partner, spouse
brother: sibling, family member, relative
sister: sibling, family member, relative
odds: risk, chance, likelihood
chances: risk, likelihood, prognosis
the change: menopause
sex drive: libido
how long: life expectancy, prognosis, survival
how long left: life expectancy, prognosis
time left: life expectancy, prognosis, survival
years left: life expectancy, survival
left to live: life expectancy, prognosis
how much time: life expectancy, prognosis
lifespan: life expectancy
outlook: prognosis
what to expect: prognosis, outlook, progression
how fast: progression, rate of progression
end stage: advanced, late stage, terminal
last stages: end of life, advanced, terminal
near the end: end of life, dying, terminal
dying: end of life, death, fatal
die: death, fatal, mortality
pass away: death, dying, end of life
deadly: fatal, life threatening
incurable: no cure, terminal, progressive
living will: advance directive, advance decision, advance care planning
getting worse: progression, worsening, deterioration
worse: worsening, progression, deterioration
going downhill: deterioration, decline, progression
getting better: improvement, recovery, improve
better: improvement, improve, recovery
on the mend: recovery, improvement
flare up: flare, relapse, exacerbation
come back: recurrence, relapse
slow it down: slow progression, delay progression
brought on by: cause, trigger, risk factor
warning signs: symptoms, early signs, red flags
catch it early: early diagnosis, early detection
blurry: blurred vision, vision problems
seeing double: double vision, diplopia
going blind: vision loss, blindness, sight loss
eyesight: vision, sight
droopy eyelid: ptosis
droopy: drooping, weakness, ptosis
hard of hearing: hearing loss, hearing impairment
deaf: hearing loss, deafness
ringing ears: tinnitus
off colour: unwell, illness
under the weather: unwell, illness
poorly: unwell, ill, illness
crook: unwell, ill, illness
burnt out: burnout, carer stress, exhaustion
look after: caring, caregiving, care
washing and dressing: personal care, activities of daily living
help at home: home care, social care, care package
"""
"""One entry per line, ``lay words: standard words, other standard words``, the most specific first."""

LAY_WORDS: dict[str, tuple[str, ...]] = {
    lay.strip(): tuple(option.strip() for option in standard.split(","))
    for lay, standard in (line.split(":") for line in _ENTRIES.strip().splitlines())
}
"""Lay word or phrase → standard words or phrases, the most specific first."""
