"""Health subjects people ask about that a factsheet on one illness does not cover.

- The recognizer is biased towards the content, so a word it was never told about comes out as the
  nearest words it knows: "what is diabetes" was heard as "what is the genes", and "the early signs of
  Alzheimer's" as "the early signs of als". Told these subjects as phrases of their own, it hears them:
  measured on questions.csv's off-topic questions in four flite voices, those answered fell from 37 to 22
  of 232 with the recognizer change alone, with no fewer right answers. (Made only as likely as a middling
  common word, they saved half as many.)
- The matcher does not answer a question that names one of them and the content does not: "what are the
  early signs of Alzheimer's" shares "early signs" with a section, but is about something else.
"""

OTHER_SUBJECTS = (
    "acne", "addiction", "adhd", "aids", "allergies", "allergy", "alzheimer's", "anemia", "appendicitis",
    "arthritis", "asthma", "autism", "bipolar", "bronchitis", "cancer", "cataracts", "chemotherapy", "chickenpox",
    "cholesterol", "a cold", "coronavirus", "covid", "dementia", "diabetes", "diarrhea", "eczema", "epilepsy",
    "flu", "glaucoma", "gout", "heart attack", "heart disease", "hepatitis", "hernia", "herpes",
    "high blood pressure", "hiv", "hypertension", "influenza", "insomnia", "kidney disease", "kidney stones",
    "leukemia", "liver disease", "lung cancer", "lupus", "lyme disease", "malaria", "measles", "menopause",
    "migraine", "migraines", "multiple sclerosis", "obesity", "osteoporosis", "parkinson's", "pneumonia",
    "pregnancy", "pregnant", "psoriasis", "schizophrenia", "shingles", "stroke", "stutter", "stutters",
    "sunburn", "thyroid", "tinnitus", "toothache", "tuberculosis", "tumor", "ulcer", "vaccine", "warts",
)
"""Names of illnesses and conditions, not of body parts or symptoms, which a question about the content
may mention in passing ("twitches under the skin")."""
